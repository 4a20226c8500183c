using EdgeCache.Origin.Content;
using EdgeCache.Replication.Changes;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Origin.Publishing;

/// <summary>
/// The one way content changes: blobs are written first (outside the lock; they are
/// content-addressed, so a crash leaves at most an unreferenced blob), then under one lock
/// the changes are appended to the durable log and applied to the manifest in the same order.
/// A call returns once its changes are in the log; after a crash the log is replayed onto the manifest.
/// </summary>
internal sealed partial class PublishPipeline
{
    private readonly IChangeLog _log;
    private readonly IContentStore _store;
    private readonly ILogger<PublishPipeline> _logger;
    private readonly SemaphoreSlim _lock = new(1, 1);

    public PublishPipeline(IChangeLog log, IContentStore store, ILogger<PublishPipeline> logger)
    {
        _log = log;
        _store = store;
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

    /// <summary>Under the lock: decides the changes (null: none), appends them durably, applies them to the manifest.</summary>
    private async Task<IReadOnlyList<ChangeEntry>?> AppendAndApplyAsync(Func<IReadOnlyList<ChangeEntry>?> decide, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (decide() is not { } changes)
            {
                return null;
            }

            // Past this point the change is committed whatever the caller does: no cancellation.
            var appended = await _log.AppendAsync(changes, CancellationToken.None);
            await _store.ApplyAsync(appended, CancellationToken.None);
            LogCommitted(_logger, appended.Count, appended[0].Seq, appended[^1].Seq);
            return appended;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Brings the manifest up to the log after a crash between append and apply.</summary>
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var after = _store.AppliedSeq;
        var replayed = 0;
        while (after < _log.Head)
        {
            var entries = await _log.ReadAsync(after, 1000, cancellationToken);
            if (entries.Count == 0)
            {
                break;
            }

            await _store.ApplyAsync(entries, cancellationToken);
            after = entries[^1].Seq;
            replayed += entries.Count;
        }

        if (replayed > 0)
        {
            LogReplayed(_logger, replayed, after);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Committed {Count} change(s), seq {First}..{Last}")]
    private static partial void LogCommitted(ILogger logger, int count, long first, long last);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replayed {Count} logged change(s) onto the manifest (now at seq {Seq})")]
    private static partial void LogReplayed(ILogger logger, int count, long seq);
}
