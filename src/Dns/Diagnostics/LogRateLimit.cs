namespace EdgeCache.Dns.Diagnostics;

/// <summary>
/// Lets one log message through per interval and counts the ones held back: a flood of bad packets
/// or a responder bug hit by every query must not turn into a flood of log lines. Thread-safe.
/// </summary>
internal sealed class LogRateLimit(TimeProvider time, TimeSpan interval)
{
    private readonly Lock _lock = new();
    private long _nextAllowed = long.MinValue;
    private long _suppressed;

    /// <summary>True when a message may be logged now; <paramref name="suppressed"/> is how many were held back since the last one.</summary>
    public bool TryEnter(out long suppressed)
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            if (now < _nextAllowed)
            {
                _suppressed++;
                suppressed = 0;
                return false;
            }

            _nextAllowed = now + (long)(interval.TotalSeconds * time.TimestampFrequency);
            suppressed = _suppressed;
            _suppressed = 0;
            return true;
        }
    }
}
