using System.Globalization;

namespace EdgeCache.IntegrationTests.Infrastructure;

/// <summary>
/// A clock that only moves when a test moves it, shared by an edge and its scripted upstream
/// (which stamps <c>Date</c> from it), so freshness and staleness are tested without waiting.
/// </summary>
public sealed class ManualClock : TimeProvider
{
    private long _ticks;

    /// <summary>Starts at the current time rounded down to a whole second, like HTTP dates.</summary>
    public ManualClock()
    {
        var now = DateTimeOffset.UtcNow;
        _ticks = now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerSecond;
    }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

    /// <summary>The current time as an HTTP date (IMF-fixdate).</summary>
    public string HttpDate(TimeSpan offset = default) => (GetUtcNow() + offset).ToString("r", CultureInfo.InvariantCulture);
}
