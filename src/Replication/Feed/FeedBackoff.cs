namespace EdgeCache.Replication.Feed;

/// <summary>
/// Exponential backoff with full jitter (a uniformly random delay below a ceiling that doubles
/// with each failure in a row), so a fleet of edges that lost its origin at once does not come
/// back at once.
/// </summary>
internal sealed class FeedBackoff
{
    // 2^20 times any sensible initial delay is past every sensible maximum; the cap keeps the shift defined.
    private const int MaxDoublings = 20;

    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private readonly Func<double> _random;
    private int _failures;

    /// <param name="random">Uniform in [0, 1); tests pass a fixed value.</param>
    public FeedBackoff(TimeSpan initial, TimeSpan max, Func<double> random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        _initial = initial;
        _max = max;
        _random = random;
    }

    /// <summary>The delay before the next attempt after one more failure.</summary>
    public TimeSpan Next()
    {
        var ceiling = Ceiling(_failures);
        _failures = Math.Min(_failures + 1, MaxDoublings);
        return ceiling * _random();
    }

    /// <summary>The ceiling after <paramref name="failures"/> failures in a row: initial * 2^failures, at most the maximum.</summary>
    public TimeSpan Ceiling(int failures)
    {
        var ticks = _initial.Ticks * (double)(1L << Math.Min(failures, MaxDoublings));
        return ticks >= _max.Ticks ? _max : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>A connection worked: the next failure starts from the initial delay again.</summary>
    public void Reset() => _failures = 0;
}
