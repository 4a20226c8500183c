using EdgeCache.Edge.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeCache.Edge.Replication;

/// <summary>
/// How long the edge has heard nothing from its origin's feed (DESIGN.md, bounded staleness).
/// Past <see cref="EdgeOptions.MaxFeedSilence"/> the cache may have missed invalidations, so every
/// hit is revalidated. Starts as if just heard, so a feed that never connects turns silent
/// <see cref="EdgeOptions.MaxFeedSilence"/> after start. Without an origin it is never silent.
/// </summary>
internal sealed class FeedSilence
{
    private readonly TimeProvider _time;
    private readonly long _maxSilenceTicks;
    private long _lastHeardTicks;

    public FeedSilence(IOptions<EdgeOptions> options, TimeProvider time)
    {
        _time = time;
        _maxSilenceTicks = options.Value.Origin is null ? long.MaxValue : options.Value.MaxFeedSilence.Ticks;
        _lastHeardTicks = time.GetUtcNow().UtcTicks;
    }

    /// <summary>The feed delivered something (an event, a heartbeat, a connection).</summary>
    public void Heard() => Volatile.Write(ref _lastHeardTicks, _time.GetUtcNow().UtcTicks);

    /// <summary>True when the feed has been silent longer than allowed at <paramref name="now"/>.</summary>
    public bool IsSilent(DateTimeOffset now) => now.UtcTicks - Volatile.Read(ref _lastHeardTicks) > _maxSilenceTicks;
}
