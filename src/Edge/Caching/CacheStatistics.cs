namespace EdgeCache.Edge.Caching;

/// <summary>A snapshot of the cache's counters, as <c>/_edge/stats</c> reports them.</summary>
public sealed record CacheStatistics(long Entries, long Bytes, long Capacity, long Hits, long Misses, long Evictions);
