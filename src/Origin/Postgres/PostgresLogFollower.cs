using EdgeCache.Origin.Publishing;
using EdgeCache.Replication.Changes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EdgeCache.Origin.Postgres;

/// <summary>
/// On an origin sharing PostgreSQL, follows the shared log: whenever its head passes what this
/// origin publishes (another origin committed), brings the manifest here up to it and publishes
/// it, so this origin's edges get every change, in order, and can fetch its content here.
/// </summary>
internal sealed partial class PostgresLogFollower(
    IChangeLog log, PublishPipeline pipeline, PublishedHead published, PostgresDatabase db, TimeProvider time, ILogger<PostgresLogFollower> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await log.WaitForEntriesAsync(published.Seq, stoppingToken);
                await pipeline.SyncAsync(stoppingToken);
                if (failing)
                {
                    failing = false;
                    LogFollowingAgain(logger, published.Seq);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception failure) when (failure is NpgsqlException or IOException or TimeoutException or InvalidDataException)
            {
                if (!failing)
                {
                    failing = true;
                    LogFollowFailed(logger, published.Seq, failure.Message);
                }

                try
                {
                    await Task.Delay(db.Options.PollInterval, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not bring this origin up to the shared change log (publishing {Seq}): {Reason}; retrying")]
    private static partial void LogFollowFailed(ILogger logger, long seq, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Following the shared change log again (publishing {Seq})")]
    private static partial void LogFollowingAgain(ILogger logger, long seq);
}
