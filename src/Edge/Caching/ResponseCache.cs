using System.Buffers;
using System.Runtime.CompilerServices;
using EdgeCache.Edge.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// The in-memory store: stored responses by primary key and variant, within a byte budget
/// that counts bodies, headers and bookkeeping, evicting with SIEVE (Zhang et al., NSDI '24).
/// Purges select by URL, path, path prefix, surrogate key or everything, hard (removed) or
/// soft (kept, marked stale). Lookups take no lock and allocate nothing; inserts, evictions
/// and purges take one lock.
/// </summary>
internal sealed class ResponseCache
{
    /// <summary>Most variants one URL may keep; a Vary on a wild header must not fill the cache.</summary>
    public const int MaxVariantsPerKey = 16;

    /// <summary>
    /// Budget charge of an entry's place in the path index: a slot and a byte of hash at the
    /// table's load (the index keys on the entry's own key string, so the path costs no chars).
    /// Each variant pays it, which overcounts keys with several variants a little but keeps the
    /// charge a function of the entry alone.
    /// </summary>
    public const int PathIndexOverhead = 16;

    /// <summary>Budget charge per surrogate key of an entry for its slot in the tag index; the tag's chars are in <see cref="StoredResponse.Size"/>.</summary>
    public const int TagIndexOverhead = 48;

    // By primary key: the StoredResponse itself when the URL has one variant (nearly all do),
    // a StoredResponse[] (newest first) when it has several; no array per entry for the common
    // case. Written under _lock; Find reads it without.
    private readonly EntryTable<CacheEntryKeys> _entries = new();
    private readonly Lock _lock = new();
    private readonly long _capacity;

    // Guarded by _lock. Keys without a path (not absolute URLs) are not in _paths.
    private readonly PathIndex _paths = new();
    private readonly PurgeIndex<StoredResponse> _tags = new();
    private readonly PurgeLog _purges = new();
    private readonly ExpectedETags _expected = new();

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
    }

    public long Capacity => _capacity;

    /// <summary>
    /// Rises with every purge. A fetch reads it when it starts and passes it to
    /// <see cref="Store(StoredResponse, long)"/>, which then knows which purges the fetch may predate.
    /// </summary>
    public long PurgeEpoch => _purges.Epoch;

    /// <summary>What an entry charges against the budget: its own size and its places in the purge indexes.</summary>
    public static long Charge(StoredResponse response)
    {
        var charge = response.Size + (long)response.Tags.Length * TagIndexOverhead;
        if (CacheKeyParts.TryGetPath(response.Key, out _))
        {
            charge += PathIndexOverhead;
        }

        return charge;
    }

    /// <summary>Finds the stored variant that <paramref name="request"/> selects, fresh or not; the key is built on the stack.</summary>
    public StoredResponse? Find(HttpRequest request, out bool keyKnown)
    {
        var length = CacheKey.Length(request);
        char[]? rented = null;
        var buffer = length <= CacheKey.StackLimit
            ? stackalloc char[CacheKey.StackLimit]
            : (rented = ArrayPool<char>.Shared.Rent(length));
        try
        {
            var written = CacheKey.Write(request, buffer);
            return Find(buffer[..written], request.Headers, out keyKnown);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Finds the variant of <paramref name="key"/> that <paramref name="requestHeaders"/> select, fresh or not.</summary>
    public StoredResponse? Find(ReadOnlySpan<char> key, IHeaderDictionary requestHeaders, out bool keyKnown)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            keyKnown = false;
            return null;
        }

        keyKnown = true;
        foreach (var variant in Variants(ref entry))
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
    public bool Store(StoredResponse response) => StoreCore(response, null);

    /// <summary>
    /// Stores a response fetched from <paramref name="fetchStartedAtEpoch"/> (<see cref="PurgeEpoch"/>
    /// when the fetch started) on: when a purge applied since then selects it, it is stored
    /// already marked stale, since the upstream may have answered before the purge's change.
    /// </summary>
    public bool Store(StoredResponse response, long fetchStartedAtEpoch) => StoreCore(response, fetchStartedAtEpoch);

    /// <summary>Hard purge removes every variant of <paramref name="key"/>; soft marks them stale. Returns how many.</summary>
    public int PurgeUrl(string key, bool soft) => Purge(PurgeKind.Url, key, soft);

    /// <summary>Purges every stored URL whose path is <paramref name="path"/>, on any scheme and host, with any query.</summary>
    public int PurgePath(string path, bool soft) => Purge(PurgeKind.Path, path, soft);

    /// <summary>Purges every stored URL whose path starts with <paramref name="prefix"/>.</summary>
    public int PurgePrefix(string prefix, bool soft) => Purge(PurgeKind.Prefix, prefix, soft);

    /// <summary>Purges every stored response that carries the surrogate key <paramref name="tag"/> (compared ordinally).</summary>
    public int PurgeTag(string tag, bool soft) => Purge(PurgeKind.Tag, tag, soft);

    /// <summary>Purges everything.</summary>
    public int PurgeAll(bool soft) => Purge(PurgeKind.All, string.Empty, soft);

    /// <summary>
    /// A <c>put</c> from the origin's feed: drops every variant of <paramref name="path"/> (like a
    /// hard <see cref="PurgePath"/>), and from now on a response for the path is stored fresh only
    /// when its ETag is <paramref name="etag"/> (when given).
    /// </summary>
    public int ApplyPut(string path, string? etag)
    {
        lock (_lock)
        {
            if (etag is null)
            {
                _expected.Remove(path);
            }
            else
            {
                _expected.Set(path, etag);
            }

            return PurgeLocked(PurgeKind.Path, path, soft: false);
        }
    }

    /// <summary>A <c>delete</c> from the origin's feed: drops every variant of <paramref name="path"/> and forgets its expected ETag.</summary>
    public int ApplyDelete(string path)
    {
        lock (_lock)
        {
            _expected.Remove(path);
            return PurgeLocked(PurgeKind.Path, path, soft: false);
        }
    }

    /// <summary>The origin's feed was reset: drops everything and every expected ETag, since puts were missed.</summary>
    public int Reset()
    {
        lock (_lock)
        {
            _expected.Clear();
            return PurgeLocked(PurgeKind.All, string.Empty, soft: false);
        }
    }

    /// <summary>Every stored variant of every URL whose path is <paramref name="path"/>, newest first per URL.</summary>
    public List<StoredResponse> VariantsOf(string path)
    {
        var found = new List<StoredResponse>();
        lock (_lock)
        {
            SelectLocked(PurgeKind.Path, path, found);
        }

        return found;
    }

    /// <summary>
    /// Drops every variant of <paramref name="key"/> (a hard URL purge, so a fetch already under
    /// way for it is stored stale). Returns how many were dropped.
    /// </summary>
    public int Invalidate(string key) => PurgeUrl(key, soft: false);

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

    /// <summary>Sizes of the purge indexes, for tests that check they follow the entries.</summary>
    internal (int Paths, int PathKeys, int Tags, int TaggedEntries) IndexSizes()
    {
        lock (_lock)
        {
            return (_paths.Paths, _paths.Keys, _tags.Names, _tags.Values);
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

    private bool StoreCore(StoredResponse response, long? fetchStartedAtEpoch)
    {
        var charge = Charge(response);
        if (charge > _capacity)
        {
            response.Body.Release();
            return false;
        }

        var hasPath = CacheKeyParts.TryGetPath(response.Key, out var path);
        lock (_lock)
        {
            // Marked before anyone can find it, so no request ever gets it without revalidation.
            if (fetchStartedAtEpoch is { } since && _purges.AnyAfterMatches(since, response, hasPath, path))
            {
                response.MarkInvalid();
            }
            else if (hasPath && _expected.Contradicts(path, response.ETag))
            {
                // Not the version the origin's latest put announced: an older copy from somewhere.
                response.MarkInvalid();
            }

            if (_entries.TryGetValue(response.Key, out var entry))
            {
                foreach (var existing in Variants(ref entry))
                {
                    if (existing.Vary.SameAs(response.Vary))
                    {
                        RemoveLocked(existing);
                        break;
                    }
                }

                if (_entries.TryGetValue(response.Key, out entry) && entry is StoredResponse[] { Length: >= MaxVariantsPerKey } many)
                {
                    RemoveLocked(many[^1]);
                }
            }

            while (_bytes + charge > _capacity && _tail is not null)
            {
                EvictOneLocked();
            }

            if (_entries.TryGetValue(response.Key, out entry))
            {
                _entries.Set((StoredResponse[])[response, .. Variants(ref entry)]);
            }
            else
            {
                _entries.Set(response);
                if (hasPath)
                {
                    _paths.Add(response.Key);
                }
            }

            foreach (var tag in response.Tags)
            {
                _tags.Add(tag, response);
            }

            LinkAtHeadLocked(response);
            _bytes += charge;
            _count++;
        }

        return true;
    }

    private int Purge(PurgeKind kind, string value, bool soft)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_lock)
        {
            return PurgeLocked(kind, value, soft);
        }
    }

    private int PurgeLocked(PurgeKind kind, string value, bool soft)
    {
        // Logged first, so a store that takes the lock after this purge is checked against it.
        _purges.Append(kind, value);
        var selected = new List<StoredResponse>();
        SelectLocked(kind, value, selected);
        foreach (var response in selected)
        {
            if (soft)
            {
                response.MarkStale();
            }
            else
            {
                RemoveLocked(response);
            }
        }

        return selected.Count;
    }

    private void SelectLocked(PurgeKind kind, string value, List<StoredResponse> selected)
    {
        switch (kind)
        {
            case PurgeKind.Url:
                AddVariantsLocked(value, selected);
                break;
            case PurgeKind.Path or PurgeKind.Prefix:
                var keys = new List<string>();
                if (kind == PurgeKind.Path)
                {
                    _paths.CopyTo(value, keys);
                }
                else
                {
                    _paths.CopyWherePrefix(value, keys);
                }

                foreach (var key in keys)
                {
                    AddVariantsLocked(key, selected);
                }

                break;
            case PurgeKind.Tag:
                _tags.CopyTo(value, selected);
                break;
            default:
                for (var response = _head; response is not null; response = response.Older)
                {
                    selected.Add(response);
                }

                break;
        }
    }

    private void AddVariantsLocked(string key, List<StoredResponse> selected)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            selected.AddRange(Variants(ref entry));
        }
    }

    /// <summary>The variants an entry of <see cref="_entries"/> holds, newest first: a lone one is a span over the caller's variable.</summary>
    private static ReadOnlySpan<StoredResponse> Variants(ref object entry)
        => entry is StoredResponse[] many ? many : new ReadOnlySpan<StoredResponse>(in Unsafe.As<object, StoredResponse>(ref entry));

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
        if (_entries.TryGetValue(response.Key, out var entry))
        {
            var variants = Variants(ref entry);
            var index = variants.IndexOf(response);
            if (index >= 0)
            {
                if (variants.Length == 1)
                {
                    _entries.Remove(response.Key);
                    _paths.Remove(response.Key);
                }
                else if (variants.Length == 2)
                {
                    _entries.Set(variants[1 - index]);
                }
                else
                {
                    _entries.Set((StoredResponse[])[.. variants[..index], .. variants[(index + 1)..]]);
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

        foreach (var tag in response.Tags)
        {
            _tags.Remove(tag, response);
        }

        response.Newer = null;
        response.Older = null;
        response.Linked = false;
        _bytes -= Charge(response);
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
