using System.Collections.Concurrent;
using EdgeCache.Edge.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// The in-memory store: stored responses by primary key and variant, within a byte budget
/// that counts bodies, headers and bookkeeping, evicting with SIEVE (Zhang et al., NSDI '24).
/// Lookups take no lock and allocate nothing; inserts and evictions take one lock.
/// </summary>
internal sealed class ResponseCache
{
    /// <summary>Most variants one URL may keep; a Vary on a wild header must not fill the cache.</summary>
    public const int MaxVariantsPerKey = 16;

    private readonly ConcurrentDictionary<string, StoredResponse[]> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StoredResponse[]>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly Lock _lock = new();
    private readonly long _capacity;

    // SIEVE queue: new entries go in at the head; the hand walks from the tail towards the head.
    private StoredResponse? _head;
    private StoredResponse? _tail;
    private StoredResponse? _hand;

    private long _bytes;
    private long _count;
    private long _hits;
    private long _misses;
    private long _evictions;

    public ResponseCache(IOptions<EdgeOptions> options)
    {
        _capacity = options.Value.CacheSize.Bytes;
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public long Capacity => _capacity;

    /// <summary>Finds the variant of <paramref name="key"/> that <paramref name="requestHeaders"/> select, fresh or not.</summary>
    public StoredResponse? Find(ReadOnlySpan<char> key, IHeaderDictionary requestHeaders, out bool keyKnown)
    {
        if (!_bySpan.TryGetValue(key, out var variants))
        {
            keyKnown = false;
            return null;
        }

        keyKnown = true;
        foreach (var variant in variants)
        {
            if (variant.Vary.IsEmpty || variant.Vary.Matches(requestHeaders))
            {
                variant.Visited = true;
                return variant;
            }
        }

        return null;
    }

    public void CountHit() => Interlocked.Increment(ref _hits);

    public void CountMiss() => Interlocked.Increment(ref _misses);

    /// <summary>
    /// Stores a response, replacing the same variant and evicting until it fits. Returns
    /// false, and releases the response, when it is larger than the whole budget.
    /// </summary>
    public bool Store(StoredResponse response)
    {
        if (response.Size > _capacity)
        {
            response.Body.Release();
            return false;
        }

        lock (_lock)
        {
            if (_entries.TryGetValue(response.Key, out var variants))
            {
                foreach (var existing in variants)
                {
                    if (existing.Vary.SameAs(response.Vary))
                    {
                        RemoveLocked(existing);
                        break;
                    }
                }

                if (_entries.TryGetValue(response.Key, out variants) && variants.Length >= MaxVariantsPerKey)
                {
                    RemoveLocked(variants[^1]);
                }
            }

            while (_bytes + response.Size > _capacity && _tail is not null)
            {
                EvictOneLocked();
            }

            _entries[response.Key] = _entries.TryGetValue(response.Key, out variants) ? [response, .. variants] : [response];
            LinkAtHeadLocked(response);
            _bytes += response.Size;
            _count++;
        }

        return true;
    }

    /// <summary>Drops every variant of <paramref name="key"/>. Returns how many were dropped.</summary>
    public int Invalidate(string key)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var variants))
            {
                return 0;
            }

            foreach (var variant in variants)
            {
                RemoveLocked(variant);
            }

            return variants.Length;
        }
    }

    /// <summary>Drops one stored response if it is still the one in the cache.</summary>
    public void Remove(StoredResponse response)
    {
        lock (_lock)
        {
            if (response.Linked)
            {
                RemoveLocked(response);
            }
        }
    }

    public CacheStatistics Statistics()
    {
        lock (_lock)
        {
            return new CacheStatistics(_count, _bytes, _capacity,
                Interlocked.Read(ref _hits), Interlocked.Read(ref _misses), Interlocked.Read(ref _evictions));
        }
    }

    private void EvictOneLocked()
    {
        var candidate = _hand ?? _tail;
        while (candidate is not null && candidate.Visited)
        {
            candidate.Visited = false;
            candidate = candidate.Newer ?? _tail;
        }

        if (candidate is null)
        {
            return;
        }

        _hand = candidate.Newer;
        RemoveLocked(candidate);
        _evictions++;
    }

    private void RemoveLocked(StoredResponse response)
    {
        if (_entries.TryGetValue(response.Key, out var variants))
        {
            var index = Array.IndexOf(variants, response);
            if (index >= 0)
            {
                if (variants.Length == 1)
                {
                    _entries.TryRemove(response.Key, out _);
                }
                else
                {
                    _entries[response.Key] = [.. variants[..index], .. variants[(index + 1)..]];
                }
            }
        }

        if (!response.Linked)
        {
            return;
        }

        if (_hand == response)
        {
            _hand = response.Newer;
        }

        if (response.Newer is null)
        {
            _head = response.Older;
        }
        else
        {
            response.Newer.Older = response.Older;
        }

        if (response.Older is null)
        {
            _tail = response.Newer;
        }
        else
        {
            response.Older.Newer = response.Newer;
        }

        response.Newer = null;
        response.Older = null;
        response.Linked = false;
        _bytes -= response.Size;
        _count--;
        response.Body.Release();
    }

    private void LinkAtHeadLocked(StoredResponse response)
    {
        response.Older = _head;
        response.Newer = null;
        if (_head is not null)
        {
            _head.Newer = response;
        }

        _head = response;
        _tail ??= response;
        response.Linked = true;
    }
}
