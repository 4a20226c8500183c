namespace EdgeCache.Edge.Caching;

/// <summary>
/// The cache keys by their paths, for purges by path and by path prefix without a scan of the
/// cache. An <see cref="EntryTable{TKeys}"/> whose entries are the keys themselves (or, for a
/// path that several keys share, a set of them), found by the path within the key, so the
/// index keeps no path string and no node per key: a key costs a slot and a byte of hash.
/// Not thread-safe: the cache's lock guards it.
/// </summary>
internal sealed class PathIndex
{
    private readonly EntryTable<PathKeys> _table = new();
    private int _keys;

    /// <summary>How many paths have at least one key.</summary>
    public int Paths => _table.Count;

    /// <summary>How many keys are indexed.</summary>
    public int Keys => _keys;

    /// <summary>Adds <paramref name="key"/>, which has a path (<see cref="CacheKeyParts.TryGetPath"/>).</summary>
    public void Add(string key)
    {
        if (!CacheKeyParts.TryGetPath(key, out var path))
        {
            throw new ArgumentException("The key has no path.", nameof(key));
        }

        if (!_table.TryGetValue(path, out var present))
        {
            _table.Set(key);
            _keys++;
        }
        else if (present is HashSet<string> set)
        {
            _keys += set.Add(key) ? 1 : 0;
        }
        else if (!string.Equals((string)present, key, StringComparison.Ordinal))
        {
            _table.Set(new HashSet<string>(StringComparer.Ordinal) { (string)present, key });
            _keys++;
        }
    }

    public void Remove(string key)
    {
        if (!CacheKeyParts.TryGetPath(key, out var path) || !_table.TryGetValue(path, out var present))
        {
            return;
        }

        if (present is HashSet<string> set)
        {
            if (set.Remove(key))
            {
                _keys--;
                if (set.Count == 1)
                {
                    // Back to the lone key, which names the path from now on; the removed key's string goes with it.
                    foreach (var last in set)
                    {
                        _table.Set(last);
                    }
                }
            }
        }
        else if (string.Equals((string)present, key, StringComparison.Ordinal))
        {
            _table.Remove(path);
            _keys--;
        }
    }

    /// <summary>Appends the keys whose path is <paramref name="path"/> to <paramref name="into"/>.</summary>
    public void CopyTo(ReadOnlySpan<char> path, List<string> into)
    {
        if (_table.TryGetValue(path, out var present))
        {
            Append(present, into);
        }
    }

    /// <summary>Appends the keys whose path starts with <paramref name="prefix"/>: a scan of the paths, not of the cache.</summary>
    public void CopyWherePrefix(string prefix, List<string> into)
    {
        foreach (var present in _table.Entries())
        {
            if (PathKeys.TryGetKey(present, out var path) && path.StartsWith(prefix, StringComparison.Ordinal))
            {
                Append(present, into);
            }
        }
    }

    private static void Append(object present, List<string> into)
    {
        if (present is HashSet<string> set)
        {
            into.AddRange(set);
        }
        else
        {
            into.Add((string)present);
        }
    }

    /// <summary>An entry of the index is a key or a set of keys with one path; it is found by that path.</summary>
    private readonly struct PathKeys : IEntryKeys
    {
        public static bool TryGetKey(object? entry, out ReadOnlySpan<char> key)
        {
            switch (entry)
            {
                case string one:
                    return CacheKeyParts.TryGetPath(one, out key);
                case HashSet<string> { Count: > 0 } many:
                    foreach (var first in many)
                    {
                        return CacheKeyParts.TryGetPath(first, out key);
                    }

                    break;
            }

            key = default;
            return false;
        }
    }
}
