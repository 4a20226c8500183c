namespace EdgeCache.Replication.Fleet;

/// <summary>What the origin knows of one edge; guarded by the <see cref="FleetRegistry"/> lock.</summary>
internal sealed class EdgeRecord(string id)
{
    public string Id { get; } = id;

    public string Region { get; set; } = string.Empty;

    public string? Endpoint { get; set; }

    public long Applied { get; set; }

    public DateTimeOffset LastSeen { get; set; }

    /// <summary>Feed streams of this edge now open on this origin; an edge that reconnected may briefly have two.</summary>
    public int OpenStreams { get; set; }

    /// <summary>Feed streams of this edge open on other origins sharing the fleet, as they last reported.</summary>
    public int PeerStreams { get; set; }

    /// <summary>When this origin itself last saw the edge (a stream opening or an ack); null when only peers did.</summary>
    public DateTimeOffset? LocalSeen { get; set; }

    public CacheCounters? Stats { get; set; }

    /// <summary>A stream is open, on this origin or a peer, and the edge was seen within <paramref name="silence"/>.</summary>
    public bool IsConnected(DateTimeOffset now, TimeSpan silence) => OpenStreams + PeerStreams > 0 && now - LastSeen <= silence;

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

/// <summary>What one origin observed of one edge, as origins sharing a fleet exchange it.</summary>
public sealed record EdgeObservation(
    string Id,
    string Region,
    string? Endpoint,
    long Applied,
    DateTimeOffset LastSeen,
    int OpenStreams,
    CacheCounters? Stats);
