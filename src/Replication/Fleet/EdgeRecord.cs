namespace EdgeCache.Replication.Fleet;

/// <summary>What the origin knows of one edge; guarded by the <see cref="FleetRegistry"/> lock.</summary>
internal sealed class EdgeRecord(string id)
{
    public string Id { get; } = id;

    public string Region { get; set; } = string.Empty;

    public string? Endpoint { get; set; }

    public long Applied { get; set; }

    public DateTimeOffset LastSeen { get; set; }

    /// <summary>Feed streams of this edge now open; an edge that reconnected may briefly have two.</summary>
    public int OpenStreams { get; set; }

    public CacheCounters? Stats { get; set; }

    /// <summary>A stream is open and the edge was seen within <paramref name="silence"/>.</summary>
    public bool IsConnected(DateTimeOffset now, TimeSpan silence) => OpenStreams > 0 && now - LastSeen <= silence;

    public EdgeReport ToReport(long head, DateTimeOffset now, TimeSpan silence) => new(
        Id,
        Region,
        Endpoint,
        Applied,
        head - Applied,
        IsConnected(now, silence),
        LastSeen,
        Stats?.Hits ?? 0,
        Stats?.Misses ?? 0,
        Stats?.Entries ?? 0,
        Stats?.Bytes ?? 0);
}
