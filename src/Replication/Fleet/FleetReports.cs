namespace EdgeCache.Replication.Fleet;

/// <summary>Cache counters an edge reports with each ack.</summary>
public sealed record CacheCounters(long Hits, long Misses, long Entries, long Bytes);

/// <summary>
/// Body of <c>POST /_replication/ack</c>: the edge's last applied seq, who it is and how its cache
/// does. Sent right after the edge applies a batch of changes (coalesced) and with every heartbeat.
/// </summary>
public sealed record AckReport(string Id, string Region, string? Endpoint, long Applied, CacheCounters? Stats);

/// <summary>One edge as the origin knows it (<c>GET /_admin/fleet</c>).</summary>
public sealed record EdgeReport(
    string Id,
    string Region,
    string? Endpoint,
    long Applied,
    long Lag,
    bool Connected,
    DateTimeOffset LastSeen,
    long Hits,
    long Misses,
    long Entries,
    long Bytes);

/// <summary><c>GET /_admin/fleet</c>.</summary>
public sealed record FleetReport(long Head, IReadOnlyList<EdgeReport> Edges);

/// <summary>
/// What a mutating admin call with <c>?wait=all</c> answers: its seq, the connected edges that
/// applied it within the timeout and those that did not (HTTP 200 when none are pending, else 202).
/// </summary>
public sealed record WaitReport(long Seq, IReadOnlyList<string> Acked, IReadOnlyList<string> Pending);

/// <summary>
/// One stored variant of a path in an edge's cache. <see cref="ContentEncoding"/> is the variant's coding
/// (null: identity); <see cref="UpstreamETag"/> the tag the upstream gave the content, which a variant the
/// edge compressed carries with a suffix in <see cref="ETag"/> (<c>"x"</c> stored as <c>"x-br"</c>).
/// </summary>
public sealed record CachedVariant(
    string Key, string? ETag, long AgeSeconds, long TtlSeconds, bool Stale, long Size, string? ContentEncoding = null, string? UpstreamETag = null);

/// <summary><c>GET /_edge/cache?path=/x</c> on an edge: every stored variant of the path (none: not stored).</summary>
public sealed record EdgeCacheReport(string Path, IReadOnlyList<CachedVariant> Entries);

/// <summary>One edge's answer in <c>GET /_admin/status?path=/x</c>; <see cref="Error"/> when it could not be asked.</summary>
public sealed record EdgePathStatus(
    string Id,
    string Region,
    string? Endpoint,
    bool Stored,
    string? ETag,
    long? AgeSeconds,
    long? TtlSeconds,
    bool? Stale,
    string? Error);

/// <summary><c>GET /_admin/status?path=/x</c>: what the origin publishes at the path and what every connected edge holds.</summary>
public sealed record PathStatusReport(string Path, string? OriginETag, long Head, IReadOnlyList<EdgePathStatus> Edges);
