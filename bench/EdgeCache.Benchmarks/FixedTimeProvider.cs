namespace EdgeCache.Benchmarks;

/// <summary>
/// A clock that stands still, so a stored response's age, and with it the <c>Age</c> and
/// <c>Cache-Status</c> values it builds once a second, stay the same for the whole run.
/// </summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
