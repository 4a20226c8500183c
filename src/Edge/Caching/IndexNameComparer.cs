namespace EdgeCache.Edge.Caching;

/// <summary>
/// How a <see cref="PurgeIndex{T}"/> compares its names: by the part of each name string that
/// <see cref="Of"/> selects, and against spans for lookups that allocate nothing. Comparing a
/// part lets an index key on strings the cache holds anyway (the path index keys on the
/// entries' own keys, compared by their paths) instead of a copy of the part per entry.
/// </summary>
internal abstract class IndexNameComparer : IEqualityComparer<string>, IAlternateEqualityComparer<ReadOnlySpan<char>, string>
{
    /// <summary>Names compared whole and ordinally, like <see cref="StringComparer.Ordinal"/>.</summary>
    public static readonly IndexNameComparer Whole = new WholeNames();

    /// <summary>Names that are cache keys, compared by their paths (<see cref="CacheKeyParts.TryGetPath"/>).</summary>
    public static readonly IndexNameComparer PathOfKey = new KeyPaths();

    /// <summary>The part of <paramref name="name"/> that is compared.</summary>
    public abstract ReadOnlySpan<char> Of(string name);

    public abstract string Create(ReadOnlySpan<char> alternate);

    public bool Equals(string? x, string? y)
        => ReferenceEquals(x, y) || (x is not null && y is not null && Of(x).SequenceEqual(Of(y)));

    public int GetHashCode(string obj) => string.GetHashCode(Of(obj));

    public bool Equals(ReadOnlySpan<char> alternate, string other) => alternate.SequenceEqual(Of(other));

    public int GetHashCode(ReadOnlySpan<char> alternate) => string.GetHashCode(alternate);

    private sealed class WholeNames : IndexNameComparer
    {
        public override ReadOnlySpan<char> Of(string name) => name;

        public override string Create(ReadOnlySpan<char> alternate) => alternate.ToString();
    }

    private sealed class KeyPaths : IndexNameComparer
    {
        public override ReadOnlySpan<char> Of(string name) => CacheKeyParts.TryGetPath(name, out var path) ? path : name;

        // A path alone is no cache key: names are added as the keys they are, never created from a lookup.
        public override string Create(ReadOnlySpan<char> alternate)
            => throw new NotSupportedException("The path index is keyed by cache keys; add entries by key.");
    }
}
