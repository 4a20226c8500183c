namespace EdgeCache.Edge.Caching;

/// <summary>
/// How an <see cref="EntryTable{TKeys}"/> finds the key of an entry it holds, so the table
/// keeps no key beside the entry. Implemented by structs, for which the JIT compiles the
/// table's probe loop with the call inlined.
/// </summary>
internal interface IEntryKeys
{
    /// <summary>The key of <paramref name="entry"/>; false for anything that is not an entry (an empty or removed slot).</summary>
    static abstract bool TryGetKey(object? entry, out ReadOnlySpan<char> key);
}

/// <summary>The response cache's entries: a <see cref="StoredResponse"/>, or a non-empty array of one key's variants.</summary>
internal readonly struct CacheEntryKeys : IEntryKeys
{
    public static bool TryGetKey(object? entry, out ReadOnlySpan<char> key)
    {
        switch (entry)
        {
            case StoredResponse one:
                key = one.Key;
                return true;
            case StoredResponse[] { Length: > 0 } many:
                key = many[0].Key;
                return true;
            default:
                key = default;
                return false;
        }
    }
}
