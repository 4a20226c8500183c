using System.Runtime.InteropServices;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// A name -> set of values map that purge by tag looks up instead of scanning the cache. Not
/// thread-safe: the cache's lock guards it.
/// </summary>
/// <typeparam name="T">The indexed values, compared with their default equality.</typeparam>
internal sealed class PurgeIndex<T>
    where T : class
{
    // Most names have one value (one URL per path, few entries per tag), so a lone value is
    // stored as itself and a set is allocated only for the second.
    private readonly Dictionary<string, object> _map;
    private readonly Dictionary<string, object>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private int _values;

    public PurgeIndex()
    {
        _map = new Dictionary<string, object>(StringComparer.Ordinal);
        _bySpan = _map.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>How many names have at least one value.</summary>
    public int Names => _map.Count;

    /// <summary>How many (name, value) pairs are indexed.</summary>
    public int Values => _values;

    /// <summary>Adds <paramref name="value"/> under <paramref name="name"/>; the name's string is allocated only when it is new.</summary>
    public void Add(ReadOnlySpan<char> name, T value)
        => AddTo(ref CollectionsMarshal.GetValueRefOrAddDefault(_bySpan, name, out var exists), exists, value);

    /// <summary>Adds <paramref name="value"/> under <paramref name="name"/>, which becomes the index's own string for the name when it is new.</summary>
    public void Add(string name, T value)
        => AddTo(ref CollectionsMarshal.GetValueRefOrAddDefault(_map, name, out var exists), exists, value);

    private void AddTo(ref object? slot, bool exists, T value)
    {
        if (!exists)
        {
            slot = value;
            _values++;
        }
        else if (slot is HashSet<T> set)
        {
            if (set.Add(value))
            {
                _values++;
            }
        }
        else if (!EqualityComparer<T>.Default.Equals((T)slot!, value))
        {
            slot = new HashSet<T> { (T)slot!, value };
            _values++;
        }
    }

    public void Remove(ReadOnlySpan<char> name, T value)
    {
        if (!_bySpan.TryGetValue(name, out var slot))
        {
            return;
        }

        if (slot is HashSet<T> set)
        {
            if (!set.Remove(value))
            {
                return;
            }

            _values--;
            if (set.Count == 1)
            {
                foreach (var last in set)
                {
                    _bySpan[name] = last;
                }
            }
        }
        else if (EqualityComparer<T>.Default.Equals((T)slot, value))
        {
            _bySpan.Remove(name);
            _values--;
        }
    }

    /// <summary>Appends the values under <paramref name="name"/> to <paramref name="into"/>.</summary>
    public void CopyTo(ReadOnlySpan<char> name, List<T> into)
    {
        if (_bySpan.TryGetValue(name, out var slot))
        {
            Append(slot, into);
        }
    }

    private static void Append(object slot, List<T> into)
    {
        if (slot is HashSet<T> set)
        {
            into.AddRange(set);
        }
        else
        {
            into.Add((T)slot);
        }
    }
}
