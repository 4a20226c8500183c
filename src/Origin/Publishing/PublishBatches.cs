using System.Collections.Concurrent;
using System.Security.Cryptography;
using EdgeCache.Origin.Content;
using EdgeCache.Origin.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.Origin.Publishing;

/// <summary>
/// The open publish batches, in memory: a batch is a few round trips long, and one lost in a
/// restart is only begun again by its client (its blobs are content-addressed and stay put).
/// Batches expire <see cref="OriginOptions.BatchExpiry"/> after they open; committed ones are kept
/// until then too, so that a client whose commit answer was lost can ask again.
/// </summary>
internal sealed partial class PublishBatches : IDisposable
{
    private readonly ConcurrentDictionary<string, PublishBatch> _batches = new(StringComparer.Ordinal);
    private readonly IContentStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<PublishBatches> _logger;
    private readonly OriginOptions _options;
    private readonly Lock _openLock = new();

    public PublishBatches(IContentStore store, IOptions<OriginOptions> options, TimeProvider time, ILogger<PublishBatches> logger)
    {
        _store = store;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Opens a batch and pins its blobs; null when <see cref="OriginOptions.MaxOpenBatches"/> are open already.</summary>
    public PublishBatch? Open(IReadOnlyList<BatchItem> items, IReadOnlyList<string> deletes)
    {
        Expire();
        lock (_openLock)
        {
            if (_batches.Values.Count(b => b.IsOpen) >= _options.MaxOpenBatches)
            {
                LogRefused(_logger, _options.MaxOpenBatches);
                return null;
            }

            var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var hashes = items.Select(i => i.Hash).ToArray();
            var batch = new PublishBatch(id, items, deletes, _time.GetUtcNow() + _options.BatchExpiry, _store.PinBlobs(hashes));
            _batches[id] = batch;
            LogOpened(_logger, id, items.Count, deletes.Count);
            return batch;
        }
    }

    /// <summary>The batch with <paramref name="id"/>; null when there is none or it expired.</summary>
    public PublishBatch? Find(string id)
    {
        if (!_batches.TryGetValue(id, out var batch))
        {
            return null;
        }

        if (batch.ExpiresAt > _time.GetUtcNow())
        {
            return batch;
        }

        Expire();
        return null;
    }

    /// <summary>Aborts a batch: forgets it and releases its pins; false while a commit of it runs.</summary>
    public bool TryAbort(PublishBatch batch)
    {
        if (!batch.TryClose())
        {
            return false;
        }

        _batches.TryRemove(new KeyValuePair<string, PublishBatch>(batch.Id, batch));
        LogAborted(_logger, batch.Id);
        return true;
    }

    /// <summary>Drops every expired batch; returns how many.</summary>
    public int Expire()
    {
        var now = _time.GetUtcNow();
        var expired = 0;
        foreach (var batch in _batches.Values)
        {
            // A batch past its time but still committing goes at the next sweep.
            if (batch.ExpiresAt <= now && batch.TryClose() && _batches.TryRemove(new KeyValuePair<string, PublishBatch>(batch.Id, batch)))
            {
                expired++;
                if (batch.Report is null)
                {
                    LogExpired(_logger, batch.Id);
                }
            }
        }

        return expired;
    }

    public void Dispose()
    {
        foreach (var batch in _batches.Values)
        {
            batch.TryClose();
        }

        _batches.Clear();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Opened publish batch {Batch}: {Items} item(s), {Deletes} delete(s)")]
    private static partial void LogOpened(ILogger logger, string batch, int items, int deletes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Publish batch {Batch} was aborted")]
    private static partial void LogAborted(ILogger logger, string batch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publish batch {Batch} expired before it was committed")]
    private static partial void LogExpired(ILogger logger, string batch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a publish batch: {Limit} are open already")]
    private static partial void LogRefused(ILogger logger, int limit);
}
