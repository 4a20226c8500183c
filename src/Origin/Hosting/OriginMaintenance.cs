using EdgeCache.Origin.Content;
using EdgeCache.Origin.Publishing;
using EdgeCache.Replication.Changes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.Origin.Hosting;

/// <summary>
/// Every <see cref="OriginOptions.MaintenanceInterval"/>: drops expired publish batches (releasing
/// their blobs), compacts the change log to <c>Retain</c> entries and collects unreferenced blobs.
/// A failed round is logged and the next one tries again.
/// </summary>
internal sealed partial class OriginMaintenance : BackgroundService
{
    private readonly IChangeLog _log;
    private readonly IContentStore _store;
    private readonly PublishBatches _batches;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly ILogger<OriginMaintenance> _logger;

    public OriginMaintenance(IChangeLog log, IContentStore store, PublishBatches batches, IOptions<OriginOptions> options, TimeProvider time, ILogger<OriginMaintenance> logger)
    {
        _log = log;
        _store = store;
        _batches = batches;
        _time = time;
        _interval = options.Value.MaintenanceInterval;
        _logger = logger;
    }

    /// <summary>One round: expire batches, compact the log, collect garbage.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var expired = _batches.Expire();
        var compacted = await _log.CompactAsync(cancellationToken);
        var collected = await _store.CollectGarbageAsync(cancellationToken);
        LogRound(_logger, expired, compacted, _log.LowWaterMark, collected);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogFailed(_logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Maintenance: {Expired} publish batch(es) expired, {Compacted} log entries compacted (low-water mark {LowWaterMark}), {Collected} blob(s) collected")]
    private static partial void LogRound(ILogger logger, int expired, long compacted, long lowWaterMark, int collected);

    [LoggerMessage(Level = LogLevel.Error, Message = "Maintenance round failed; the next one tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
