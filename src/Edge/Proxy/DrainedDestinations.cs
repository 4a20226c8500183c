using System.Collections.Concurrent;

namespace EdgeCache.Edge.Proxy;

/// <summary>
/// Destinations an operator is draining (<c>POST /_edge/destinations/{cluster}/{destination}/drain</c>):
/// they get no new requests while the ones they are serving finish. Kept by cluster and destination
/// id, so a drain outlives a reload of the config file.
/// </summary>
internal sealed class DrainedDestinations
{
    private readonly ConcurrentDictionary<(string Cluster, string Destination), DateTimeOffset> _drained = new();
    private volatile int _count;

    /// <summary>True when nothing is drained: the proxy pipeline then has nothing to filter.</summary>
    public bool IsEmpty => _count == 0;

    /// <summary>Starts draining; a destination already draining keeps its start.</summary>
    public void Drain(string cluster, string destination, DateTimeOffset now)
    {
        _drained.TryAdd((cluster, destination), now);
        _count = _drained.Count;
    }

    /// <summary>Ends a drain, if there is one.</summary>
    public void Restore(string cluster, string destination)
    {
        _drained.TryRemove((cluster, destination), out _);
        _count = _drained.Count;
    }

    /// <summary>When the drain of this destination began, or null when it is not draining.</summary>
    public DateTimeOffset? DrainingSince(string cluster, string destination)
        => _drained.TryGetValue((cluster, destination), out var since) ? since : null;
}
