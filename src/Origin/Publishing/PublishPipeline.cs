using EdgeCache.Origin.Content;
using EdgeCache.Replication.Changes;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Origin.Publishing;

/// <summary>
/// The one way content changes: blobs are written first (outside the lock; they are
/// content-addressed, so a crash leaves at most an unreferenced blob), then under one lock
/// the changes are appended to the durable log and applied to the manifest in the same order
/// (<see cref="IPublishLock"/>: across origins when they share PostgreSQL).
/// A call returns once its changes are in the log and applied; only then are they published to
/// the feed (<see cref="PublishedHead"/>). After a crash the log is replayed onto the manifest.
/// </summary>
internal sealed partial class PublishPipeline
{
    private readonly IChangeLog _log;
    private readonly IContentStore _store;
    private readonly PublishedHead _published;
    private readonly ILogger<PublishPipeline> _logger;
    private readonly IPublishLock _lock;

    public PublishPipeline(IChangeLog log, IContentStore store, PublishedHead published, IPublishLock publishLock, ILogger<PublishPipeline> logger)
    {
        _log = log;
        _store = store;
        _published = published;
        _lock = publishLock;
        _logger = logger;
    }

    /// <summary>Appends <paramref name="changes"/> (all or nothing) and applies them; returns them with their seqs.</summary>
    public async Task<IReadOnlyList<ChangeEntry>> CommitAsync(IReadOnlyList<ChangeEntry> changes, CancellationToken cancellationToken)
        => (await AppendAndApplyAsync(() => changes, cancellationToken))!;

    /// <summary>Deletes <paramref name="path"/>; null when there is no such path.</summary>
    public async Task<ChangeEntry?> DeleteAsync(string path, CancellationToken cancellationToken)
    {
        // Checked under the lock, so a concurrent delete of the same path cannot log it twice.
        var appended = await AppendAndApplyAsync(
            () => _store.Get(path) is null ? null : [new ChangeEntry { Op = ChangeOps.Delete, Path = path }],
            cancellationToken);
        return appended?[0];
    }

    /// <summary>
    /// Commits a claimed batch: if any of its blobs is missing (or not its declared size) nothing
    /// happens and the missing hashes are returned; otherwise its deletes of existing paths and its
    /// items that differ from the manifest are appended as consecutive seqs and applied.
    /// </summary>
    public async Task<(BatchReport? Report, IReadOnlyList<string> Missing)> CommitBatchAsync(PublishBatch batch, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> missing = [];
        var unchanged = 0;
        var head = 0L;
        var appended = await AppendAndApplyAsync(() =>
        {
            // Under the lock and with the batch's blobs pinned, so what is checked here is still there at apply.
            missing = batch.MissingIn(_store);
            if (missing.Count > 0)
            {
                return null;
            }

            var changes = new List<ChangeEntry>();
            foreach (var path in batch.Deletes)
            {
                if (_store.Get(path) is not null)
                {
                    changes.Add(new ChangeEntry { Op = ChangeOps.Delete, Path = path });
                }
            }

            foreach (var item in batch.Items)
            {
                if (_store.Get(item.Path) is { } current && IsSame(current, item))
                {
                    unchanged++;
                    continue;
                }

                changes.Add(new ChangeEntry
                {
                    Op = ChangeOps.Put,
                    Path = item.Path,
                    ETag = FileContentStore.ETagFor(item.Hash),
                    Size = item.Size,
                    ContentType = item.ContentType,
                    Tags = item.Tags,
                    CacheControl = item.CacheControl,
                });
            }

            head = _log.Head;
            return changes.Count > 0 ? changes : null;
        }, cancellationToken);

        if (missing.Count > 0)
        {
            return (null, missing);
        }

        var report = appended is null ? new BatchReport(head, 0, unchanged) : new BatchReport(appended[^1].Seq, appended.Count, unchanged);
        LogBatchCommitted(_logger, batch.Id, report.Changes, report.Unchanged, report.Seq);
        return (report, []);
    }

    private static bool IsSame(ContentItem current, BatchItem item) =>
        current.Hash == item.Hash
        && current.Size == item.Size
        && current.ContentType == item.ContentType
        && current.CacheControl == item.CacheControl
        && current.Tags.SequenceEqual(item.Tags, StringComparer.Ordinal);

    /// <summary>Under the lock: decides the changes (null: none), appends them durably, applies them to the manifest.</summary>
    private async Task<IReadOnlyList<ChangeEntry>?> AppendAndApplyAsync(Func<IReadOnlyList<ChangeEntry>?> decide, CancellationToken cancellationToken)
    {
        await using var held = await _lock.AcquireAsync(cancellationToken);

        // What other origins on a shared store published, and any change logged but not applied
        // (an origin that died between the two), is in the manifest before anything is decided on it.
        await CatchUpAllAsync(cancellationToken);
        if (decide() is not { } changes)
        {
            return null;
        }

        // Past this point the change is committed whatever the caller does: no cancellation.
        var appended = await _log.AppendAsync(changes, CancellationToken.None);

        // An earlier change whose manifest write failed is in the log but not applied: it goes
        // first, or the store would skip past it for good.
        await CatchUpAsync(appended[0].Seq - 1, CancellationToken.None);
        await _store.ApplyAsync(appended, CancellationToken.None);
        _published.Advance(appended[^1].Seq);
        LogCommitted(_logger, appended.Count, appended[0].Seq, appended[^1].Seq);
        return appended;
    }

    /// <summary>
    /// Under the lock, brings the manifest up to everything logged (by any origin sharing the store,
    /// or by this one before a crash between append and apply) and publishes it to the feed. Run
    /// before the feed opens, and on PostgreSQL whenever the shared log moves.
    /// </summary>
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        await using var held = await _lock.AcquireAsync(cancellationToken);
        await CatchUpAllAsync(cancellationToken);
        _published.Advance(_store.AppliedSeq);
    }

    private async Task CatchUpAllAsync(CancellationToken cancellationToken)
    {
        await _store.RefreshAsync(cancellationToken);
        var replayed = await CatchUpAsync(long.MaxValue, cancellationToken);
        if (replayed > 0)
        {
            LogReplayed(_logger, replayed, _store.AppliedSeq);
        }
    }

    /// <summary>Applies the logged changes the store has not applied, up to <paramref name="seq"/>; returns how many.</summary>
    private async Task<int> CatchUpAsync(long seq, CancellationToken cancellationToken)
    {
        var replayed = 0;
        for (var after = _store.AppliedSeq; after < seq; after = _store.AppliedSeq)
        {
            var entries = await _log.ReadAsync(after, (int)Math.Min(1000, seq - after), cancellationToken);
            if (entries.Count == 0)
            {
                break;
            }

            await _store.ApplyAsync(entries, cancellationToken);
            replayed += entries.Count;
        }

        return replayed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Committed {Count} change(s), seq {First}..{Last}")]
    private static partial void LogCommitted(ILogger logger, int count, long first, long last);

    [LoggerMessage(Level = LogLevel.Information, Message = "Committed publish batch {Batch}: {Changes} change(s), {Unchanged} unchanged, at seq {Seq}")]
    private static partial void LogBatchCommitted(ILogger logger, string batch, int changes, int unchanged, long seq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replayed {Count} logged change(s) onto the manifest (now at seq {Seq})")]
    private static partial void LogReplayed(ILogger logger, int count, long seq);
}
