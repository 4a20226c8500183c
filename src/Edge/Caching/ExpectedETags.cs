using EdgeCache.Edge.Compression;
using EdgeCache.Edge.Http;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// Per path, the ETag of the newest <c>put</c> the feed delivered (DESIGN.md, races): a fetched
/// response for the path with another ETag is older than what the origin publishes and must not
/// be stored as fresh. Bounded: the <see cref="Capacity"/> most recently put paths are kept, the
/// oldest forgotten first (those paths are then guarded only by the purge epoch). Not
/// thread-safe: the cache's lock guards it.
/// </summary>
internal sealed class ExpectedETags
{
    /// <summary>How many paths are remembered; about 200 bytes each with typical paths and SHA-256 ETags.</summary>
    public const int Capacity = 16_384;

    private readonly Dictionary<string, LinkedListNode<(string Path, string ETag)>> _byPath = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LinkedListNode<(string Path, string ETag)>>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    // Oldest put first.
    private readonly LinkedList<(string Path, string ETag)> _order = new();

    public ExpectedETags() => _bySpan = _byPath.GetAlternateLookup<ReadOnlySpan<char>>();

    public int Count => _byPath.Count;

    /// <summary>Remembers <paramref name="etag"/> as the newest version of <paramref name="path"/>.</summary>
    public void Set(string path, string etag)
    {
        Remove(path);
        if (_byPath.Count >= Capacity && _order.First is { } oldest)
        {
            _order.RemoveFirst();
            _byPath.Remove(oldest.Value.Path);
        }

        _byPath[path] = _order.AddLast((path, etag));
    }

    /// <summary>Forgets <paramref name="path"/> (it was deleted: any later answer for it is news).</summary>
    public void Remove(string path)
    {
        if (_byPath.Remove(path, out var node))
        {
            _order.Remove(node);
        }
    }

    public void Clear()
    {
        _byPath.Clear();
        _order.Clear();
    }

    /// <summary>
    /// True when a put for <paramref name="path"/> is remembered and <paramref name="etag"/> is not
    /// its version (compared weakly, so a compressing hop's W/ does not count; no ETag never matches).
    /// The edge's own compressed variants of that version (<c>"x-br"</c> for <c>"x"</c>) are that version.
    /// </summary>
    public bool Contradicts(ReadOnlySpan<char> path, string? etag)
    {
        if (_byPath.Count == 0 || !_bySpan.TryGetValue(path, out var node))
        {
            return false;
        }

        return etag is null
            || !EntityTag.TryParse(etag, out var actual)
            || !EntityTag.TryParse(node.Value.ETag, out var expected)
            || !(actual.Matches(expected, EntityTagComparison.Weak) || VariantETag.IsVariantOf(actual, expected));
    }
}
