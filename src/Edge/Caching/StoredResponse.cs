using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// One stored response (one variant of one URL). Everything a hit writes is prepared when
/// the response is stored: the header list, the body chunks, and per second of age the
/// <c>Age</c> and <c>Cache-Status</c> values, so a hit allocates nothing.
/// </summary>
internal sealed class StoredResponse
{
    /// <summary>
    /// Bookkeeping the budget charges each entry beyond its headers, key chars and body (whose
    /// own bookkeeping <see cref="StoredBody.Bookkeeping"/> adds), as measured on a 1 KiB entry:
    /// this object (152 B), the key string's header (24 B), its slot and byte of hash in the
    /// cache's <see cref="EntryTable{TKeys}"/> at the table's load (about 16 B).
    /// </summary>
    public const int EntryOverhead = 192;

    /// <summary>What an entry is charged for a string it shares with others through the <see cref="HeaderValuePool"/>.</summary>
    private const int SharedStringCharge = 8;

    private readonly long _responseTicks;
    private readonly long _initialAgeTicks;
    private readonly long _lifetimeTicks;
    private readonly ushort _status;

    // What few responses have, kept out of line so the common entry does not carry empty fields.
    private readonly Extras? _extras;

    // Never null: before the first hit, the cache's shared seed, which carries the cache's name.
    private HitStamp _stamp;

    // 0 as stored; 1 soft-purged (served stale while one revalidation runs); 2 invalidated (never served without revalidation).
    private byte _purgeState;

    public StoredResponse(
        string key,
        int status,
        KeyValuePair<string, StringValues>[] headers,
        StoredBody body,
        VaryKey vary,
        DateTimeOffset responseTime,
        TimeSpan correctedInitialAge,
        ReusePolicy policy,
        string cacheName,
        string? upstreamCacheStatus,
        string[]? tags = null,
        KeyValuePair<string, StringValues>[]? hiddenHeaders = null,
        HeaderValuePool? pool = null)
    {
        Key = key;
        _status = checked((ushort)status);
        Headers = StoredHeaders.Create(headers, pool, out var listShared);
        Body = body;
        Vary = vary;
        _responseTicks = responseTime.UtcTicks;
        _initialAgeTicks = correctedInitialAge.Ticks;
        _lifetimeTicks = policy.Lifetime.Ticks;
        _stamp = HitStamp.Seed(cacheName);
        if (upstreamCacheStatus is not null || tags is [_, ..] || hiddenHeaders is [_, ..]
            || policy.StaleWhileRevalidate != TimeSpan.Zero || policy.StaleIfError != TimeSpan.Zero || policy.MustRevalidate || policy.NoCache)
        {
            _extras = new Extras(upstreamCacheStatus, tags ?? [], hiddenHeaders ?? [], policy.StaleWhileRevalidate, policy.StaleIfError,
                policy.MustRevalidate, policy.NoCache);
        }

        var headerBytes = Headers.MemorySize(SharedStringCharge, listShared) + StoredHeaders.ListSize(HiddenHeaders, SharedStringCharge);
        foreach (var tag in Tags)
        {
            headerBytes += 2 * tag.Length + 24;
        }

        Size = EntryOverhead + 2 * key.Length + headerBytes + vary.MemorySize + body.Capacity + body.Bookkeeping;
    }

    /// <summary>The primary key: method-normalised absolute URL.</summary>
    public string Key { get; }

    public int Status => _status;

    /// <summary>Headers ready to write, without <c>Age</c>, <c>Cache-Status</c> and <c>Content-Length</c> (the body's length).</summary>
    public StoredHeaders Headers { get; }

    public StoredBody Body { get; }

    public VaryKey Vary { get; }

    public DateTimeOffset ResponseTime => new(_responseTicks, TimeSpan.Zero);

    public TimeSpan CorrectedInitialAge => new(_initialAgeTicks);

    /// <summary>Freshness lifetime and the stale uses the response allows.</summary>
    public ReusePolicy Policy => new(
        FreshnessLifetime,
        _extras?.StaleWhileRevalidate ?? TimeSpan.Zero,
        _extras?.StaleIfError ?? TimeSpan.Zero,
        _extras?.MustRevalidate ?? false,
        _extras?.NoCache ?? false);

    public TimeSpan FreshnessLifetime => new(_lifetimeTicks);

    /// <summary>The stored <c>ETag</c> value as sent, or null.</summary>
    public string? ETag => Headers.ETag ?? (Headers[HeaderNames.ETag] is { Count: > 0 } etag ? etag.ToString() : null);

    public DateTimeOffset? LastModified => ParseDate(Headers.LastModified ?? Headers[HeaderNames.LastModified]);

    /// <summary>The upstream's <c>Date</c>, which stands in for Last-Modified in If-Modified-Since (RFC 9111 section 4.3.2).</summary>
    public DateTimeOffset? Date => ParseDate(Headers.Date ?? Headers[HeaderNames.Date]);

    /// <summary>True when the response carries a validator, so it can be revalidated instead of fetched again.</summary>
    public bool HasValidator => ETag is not null || LastModified is not null;

    /// <summary>Headers kept for later revalidations but never sent to clients (targeted cache directives, surrogate keys).</summary>
    public KeyValuePair<string, StringValues>[] HiddenHeaders => _extras?.HiddenHeaders ?? [];

    /// <summary>Surrogate keys (<c>Surrogate-Key</c>, <c>Cache-Tag</c>) that purge by tag matches.</summary>
    public string[] Tags => _extras?.Tags ?? [];

    /// <summary>True once a soft purge marked the response stale: it is served stale while one revalidation runs.</summary>
    public bool SoftPurged => Volatile.Read(ref _purgeState) == 1;

    /// <summary>True when a purge that raced with the fetch of this response invalidated it: it is never used without revalidation.</summary>
    public bool Invalidated => Volatile.Read(ref _purgeState) == 2;

    public string CacheName => _stamp.CacheName;

    public string? UpstreamCacheStatus => _extras?.UpstreamCacheStatus;

    /// <summary>Bytes this entry charges against the cache budget.</summary>
    public long Size { get; }

    // SIEVE bookkeeping, guarded by the cache's lock except Visited, which hits set freely.
    internal StoredResponse? Newer;
    internal StoredResponse? Older;
    internal bool Visited;
    internal bool Linked;

    public TimeSpan CurrentAge(DateTimeOffset now)
    {
        var resident = now.UtcTicks - _responseTicks;
        return new TimeSpan(_initialAgeTicks + (resident > 0 ? resident : 0));
    }

    /// <summary>Fresh: usable without contacting the upstream (not no-cache, not soft-purged, within its lifetime).</summary>
    public bool IsFresh(DateTimeOffset now) => Volatile.Read(ref _purgeState) == 0 && FreshnessLifetime > CurrentAge(now) && _extras?.NoCache != true;

    /// <summary>How long the response has been stale at <paramref name="now"/> (zero or negative while fresh).</summary>
    public TimeSpan Staleness(DateTimeOffset now) => CurrentAge(now) - FreshnessLifetime;

    /// <summary>Marks the response stale (soft purge): the next request gets it while one revalidation runs.</summary>
    public void MarkStale() => Interlocked.CompareExchange(ref _purgeState, (byte)1, (byte)0);

    /// <summary>Marks the response unusable until revalidated, stale or not (it may predate a purge).</summary>
    public void MarkInvalid() => Volatile.Write(ref _purgeState, (byte)2);

    /// <summary>
    /// The <c>Age</c> and <c>Cache-Status</c> values of a hit at <paramref name="now"/>. They
    /// change once a second, so they are built once a second and shared by every hit in it.
    /// </summary>
    public HitStamp StampAt(DateTimeOffset now)
    {
        var age = CurrentAge(now);
        var ageSeconds = (long)age.TotalSeconds;
        var stamp = Volatile.Read(ref _stamp);
        if (stamp.AgeSeconds == ageSeconds)
        {
            return stamp;
        }

        var ttl = (long)Math.Floor((FreshnessLifetime - age).TotalSeconds);
        var ours = string.Create(CultureInfo.InvariantCulture, $"{CacheName}; hit; ttl={ttl}");
        stamp = new HitStamp(
            CacheName,
            ageSeconds,
            ageSeconds.ToString(CultureInfo.InvariantCulture),
            UpstreamCacheStatus is null ? ours : UpstreamCacheStatus + ", " + ours);
        Volatile.Write(ref _stamp, stamp);
        return stamp;
    }

    private static DateTimeOffset? ParseDate(StringValues value)
        => value.Count > 0 && HeaderUtilities.TryParseDate(value.ToString(), out var date) ? date : null;

    /// <summary>Header values of hits within one second of age.</summary>
    internal sealed record HitStamp(string CacheName, long AgeSeconds, string Age, string CacheStatus)
    {
        private static readonly ConcurrentDictionary<string, HitStamp> Seeds = new(StringComparer.Ordinal);

        /// <summary>The stamp every entry of the cache named <paramref name="cacheName"/> starts with; it matches no age.</summary>
        public static HitStamp Seed(string cacheName) => Seeds.GetOrAdd(cacheName, static name => new HitStamp(name, -1, "", ""));
    }

    private sealed record Extras(
        string? UpstreamCacheStatus,
        string[] Tags,
        KeyValuePair<string, StringValues>[] HiddenHeaders,
        TimeSpan StaleWhileRevalidate,
        TimeSpan StaleIfError,
        bool MustRevalidate,
        bool NoCache);
}
