using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// The headers of a stored response, laid out for memory. The fields nearly every response has
/// a value of its own for (<c>ETag</c>, <c>Last-Modified</c>, <c>Date</c>) are kept apart, and
/// the rest is one list that entries with equal headers share through the
/// <see cref="HeaderValuePool"/>: thousands of objects of one upstream then keep one list, not
/// one each. <c>Content-Length</c> is not kept: it is the stored body's length.
/// </summary>
internal readonly struct StoredHeaders
{
    private readonly KeyValuePair<string, StringValues>[] _common;
    private readonly string? _etag;
    private readonly string? _lastModified;
    private readonly string? _date;

    private StoredHeaders(KeyValuePair<string, StringValues>[] common, string? etag, string? lastModified, string? date)
    {
        _common = common;
        _etag = etag;
        _lastModified = lastModified;
        _date = date;
    }

    /// <summary>
    /// The stored form of <paramref name="headers"/>: without <c>Content-Length</c>, with the
    /// single-line validators and <c>Date</c> taken out, and the rest shared through
    /// <paramref name="pool"/> when one is given (<paramref name="listShared"/> then says whether
    /// another entry already kept the list).
    /// </summary>
    public static StoredHeaders Create(KeyValuePair<string, StringValues>[] headers, HeaderValuePool? pool, out bool listShared)
    {
        string? etag = null, lastModified = null, date = null;
        var common = new List<KeyValuePair<string, StringValues>>(headers.Length);
        foreach (var header in headers)
        {
            var name = header.Key;
            var single = header.Value.Count == 1 ? header.Value[0] : null;
            if (name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (single is not null && etag is null && name.Equals(HeaderNames.ETag, StringComparison.OrdinalIgnoreCase))
            {
                etag = single;
            }
            else if (single is not null && lastModified is null && name.Equals(HeaderNames.LastModified, StringComparison.OrdinalIgnoreCase))
            {
                lastModified = single;
            }
            else if (single is not null && date is null && name.Equals(HeaderNames.Date, StringComparison.OrdinalIgnoreCase))
            {
                date = single;
            }
            else
            {
                common.Add(header);
            }
        }

        KeyValuePair<string, StringValues>[] list = [.. common];
        var shared = pool?.Share(list) ?? list;
        listShared = !ReferenceEquals(shared, list);
        return new StoredHeaders(shared, etag, lastModified, date);
    }

    /// <summary>How many fields there are (<c>Content-Length</c> aside).</summary>
    public int Count => _common.Length + (_etag is null ? 0 : 1) + (_lastModified is null ? 0 : 1) + (_date is null ? 0 : 1);

    public string? ETag => _etag;

    public string? LastModified => _lastModified;

    public string? Date => _date;

    /// <summary>The value of the field <paramref name="name"/>; empty when there is none.</summary>
    public StringValues this[string name]
    {
        get
        {
            foreach (var header in this)
            {
                if (header.Key.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return header.Value;
                }
            }

            return default;
        }
    }

    /// <summary>Sets every field on <paramref name="target"/>; the hit path, which allocates nothing.</summary>
    public void CopyTo(IHeaderDictionary target)
    {
        foreach (var header in _common)
        {
            target[header.Key] = header.Value;
        }

        if (_etag is not null)
        {
            target.ETag = _etag;
        }

        if (_lastModified is not null)
        {
            target.LastModified = _lastModified;
        }

        if (_date is not null)
        {
            target.Date = _date;
        }
    }

    /// <summary>
    /// Memory the headers hold for one entry: the list's array and the strings only it keeps,
    /// with a list (<paramref name="listShared"/>) or string shared with other entries charged
    /// <paramref name="sharedCharge"/> each.
    /// </summary>
    public long MemorySize(int sharedCharge, bool listShared)
    {
        // The three fields are the entry's own; ETag values are unique, the dates shared with entries of the same second.
        var bytes = ValueSize(HeaderNames.ETag, _etag, sharedCharge)
            + ValueSize(HeaderNames.LastModified, _lastModified, sharedCharge)
            + ValueSize(HeaderNames.Date, _date, sharedCharge);
        return bytes + (listShared ? sharedCharge : ListSize(_common, sharedCharge));
    }

    /// <summary>Memory a header list holds: its array, and each string only it keeps (a shared one is charged <paramref name="sharedCharge"/>).</summary>
    public static long ListSize(KeyValuePair<string, StringValues>[] list, int sharedCharge)
    {
        if (list.Length == 0)
        {
            return 0;
        }

        var bytes = 24 + 16L * list.Length;
        foreach (var header in list)
        {
            bytes += sharedCharge;
            if (header.Value.Count > 1)
            {
                bytes += 24 + 8L * header.Value.Count;
            }

            foreach (var value in header.Value)
            {
                bytes += ValueSize(header.Key, value, sharedCharge);
            }
        }

        return bytes;
    }

    private static long ValueSize(string name, string? value, int sharedCharge)
        => value is null ? 0 : HeaderValuePool.MayShare(name, value) ? sharedCharge : 2L * value.Length + 24;

    public Enumerator GetEnumerator() => new(this);

    /// <summary>The fields in order: the list, then <c>ETag</c>, <c>Last-Modified</c> and <c>Date</c>.</summary>
    public struct Enumerator(StoredHeaders headers)
    {
        private int _index = -1;

        public readonly KeyValuePair<string, StringValues> Current
        {
            get
            {
                var common = headers._common;
                return (_index - common.Length) switch
                {
                    < 0 => common[_index],
                    0 => new(HeaderNames.ETag, headers._etag),
                    1 => new(HeaderNames.LastModified, headers._lastModified),
                    _ => new(HeaderNames.Date, headers._date),
                };
            }
        }

        public bool MoveNext()
        {
            var common = headers._common.Length;
            while (++_index < common + 3)
            {
                if (_index < common || ValueAt(_index - common) is not null)
                {
                    return true;
                }
            }

            return false;
        }

        private readonly string? ValueAt(int extra) => extra switch
        {
            0 => headers._etag,
            1 => headers._lastModified,
            _ => headers._date,
        };
    }
}
