namespace EdgeCache.Edge.Caching;

/// <summary>
/// A snapshot of the cache's counters, as <c>/_edge/stats</c> reports them. <paramref name="ZeroCopyBytes"/>
/// counts the bodies (in whole pages) kept in the memory file that hits send with <c>sendfile</c>;
/// they are part of <paramref name="Bytes"/>. <paramref name="PackedBytes"/> counts the slots small bodies
/// take in slabs of that file, outside the GC heap; they are part of <paramref name="Bytes"/> too.
/// </summary>
public sealed record CacheStatistics(long Entries, long Bytes, long Capacity, long Hits, long Misses, long Evictions, long ZeroCopyBytes = 0, long PackedBytes = 0);
