namespace EdgeCache.Replication.Changes;

/// <summary>
/// The newest seq whose change the origin has applied to the content it serves. A change is
/// durable once it is in the <see cref="IChangeLog"/>, but the feed sends it only once it is
/// published: an edge that fetches a path the moment a put arrives must get that put's version,
/// not a 404 or the version before it.
/// </summary>
public sealed class PublishedHead
{
    private readonly Lock _lock = new();
    private long _seq;
    private TaskCompletionSource _advanced = NewSignal();

    /// <summary>The newest published seq; 0 before anything is.</summary>
    public long Seq => Volatile.Read(ref _seq);

    /// <summary>Publishes every change up to <paramref name="seq"/>; a seq at or below the current one changes nothing.</summary>
    public void Advance(long seq)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seq);
        TaskCompletionSource advanced;
        lock (_lock)
        {
            if (seq <= _seq)
            {
                return;
            }

            Volatile.Write(ref _seq, seq);
            advanced = _advanced;
            _advanced = NewSignal();
        }

        advanced.TrySetResult();
    }

    /// <summary>Completes when the published seq passes <paramref name="after"/> (at once if it already has).</summary>
    public async Task WaitPastAsync(long after, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task advanced;
            lock (_lock)
            {
                if (_seq > after)
                {
                    return;
                }

                advanced = _advanced.Task;
            }

            await advanced.WaitAsync(cancellationToken);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
