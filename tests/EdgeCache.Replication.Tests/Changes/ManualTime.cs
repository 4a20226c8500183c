namespace EdgeCache.Replication.Tests.Changes;

/// <summary>A clock that moves only when told, so tests can check the assigned <c>At</c>.</summary>
public sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
