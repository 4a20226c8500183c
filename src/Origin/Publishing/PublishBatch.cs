using EdgeCache.Origin.Content;

namespace EdgeCache.Origin.Publishing;

/// <summary>One path of a publish batch: what it will be once the batch commits.</summary>
internal sealed record BatchItem(string Path, string Hash, long Size, string ContentType, IReadOnlyList<string> Tags, string? CacheControl);

/// <summary>What a committed batch did: the seq of its last change (the head when it changed nothing).</summary>
internal sealed record BatchReport(long Seq, int Changes, int Unchanged);

/// <summary>How a request to commit a batch stands.</summary>
internal enum CommitClaim
{
    /// <summary>The caller now commits the batch and must call <see cref="PublishBatch.EndCommit"/>.</summary>
    Claimed,

    /// <summary>Another commit of the batch is running.</summary>
    Busy,

    /// <summary>The batch committed before; <see cref="PublishBatch.Report"/> says how.</summary>
    Committed,

    /// <summary>The batch was aborted or expired.</summary>
    Closed,
}

/// <summary>
/// A publish in progress: the manifest the client sent, the blobs it needs, and once committed
/// its report, which a repeated commit gets again. Its blobs are pinned against the garbage
/// collector from the moment it opens until it commits or closes; a batch being committed
/// cannot be closed, so its blobs cannot vanish between the check and the apply.
/// </summary>
internal sealed class PublishBatch
{
    private readonly IDisposable _pins;
    private readonly Lock _lock = new();
    private State _state;

    public PublishBatch(string id, IReadOnlyList<BatchItem> items, IReadOnlyList<string> deletes, DateTimeOffset expiresAt, IDisposable pins)
    {
        Id = id;
        Items = items;
        Deletes = deletes;
        ExpiresAt = expiresAt;
        _pins = pins;
        Sizes = items.GroupBy(i => i.Hash, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Size, StringComparer.Ordinal);
    }

    private enum State
    {
        Open,
        Committing,
        Committed,
        Closed,
    }

    public string Id { get; }

    public IReadOnlyList<BatchItem> Items { get; }

    public IReadOnlyList<string> Deletes { get; }

    /// <summary>Every blob the batch references, with its declared size.</summary>
    public IReadOnlyDictionary<string, long> Sizes { get; }

    public DateTimeOffset ExpiresAt { get; }

    /// <summary>The batch's blobs that <paramref name="store"/> lacks or holds at another size, in order.</summary>
    public IReadOnlyList<string> MissingIn(IContentStore store)
        => [.. Sizes.Where(blob => store.BlobSize(blob.Key) != blob.Value).Select(blob => blob.Key).Order(StringComparer.Ordinal)];

    /// <summary>Set once the batch committed.</summary>
    public BatchReport? Report { get; private set; }

    /// <summary>True while the batch takes uploads and a commit.</summary>
    public bool IsOpen
    {
        get
        {
            lock (_lock)
            {
                return _state is State.Open or State.Committing;
            }
        }
    }

    public CommitClaim TryClaimCommit()
    {
        lock (_lock)
        {
            switch (_state)
            {
                case State.Open:
                    _state = State.Committing;
                    return CommitClaim.Claimed;
                case State.Committing:
                    return CommitClaim.Busy;
                case State.Committed:
                    return CommitClaim.Committed;
                default:
                    return CommitClaim.Closed;
            }
        }
    }

    /// <summary>Ends a claimed commit: with a report the batch is done and its pins released, without one it is open again.</summary>
    public void EndCommit(BatchReport? report)
    {
        lock (_lock)
        {
            if (report is null)
            {
                _state = State.Open;
                return;
            }

            Report = report;
            _state = State.Committed;
            _pins.Dispose();
        }
    }

    /// <summary>Closes the batch and releases its pins; false while a commit of it runs.</summary>
    public bool TryClose()
    {
        lock (_lock)
        {
            if (_state == State.Committing)
            {
                return false;
            }

            _state = State.Closed;
            _pins.Dispose();
            return true;
        }
    }
}
