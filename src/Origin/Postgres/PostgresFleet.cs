using EdgeCache.Replication.Fleet;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace EdgeCache.Origin.Postgres;

/// <summary>
/// Shares this origin's <see cref="FleetRegistry"/> with the other origins on the database: what
/// this origin observes (streams, acks) is written to its own rows of <c>edgecache_fleet</c> as it
/// happens, with a notification; the other origins' rows are read on their notifications (and by
/// polling) and merged in. So <c>wait=all</c> and the fleet report work on any origin, whichever
/// origin each edge is connected to.
/// </summary>
internal sealed partial class PostgresFleet : BackgroundService
{
    /// <summary>The notification channel; the payload is the writing origin's id.</summary>
    internal const string Channel = "edgecache_fleet";

    /// <summary>Other origins' rows older than this are not read: those origins are long gone.</summary>
    private static readonly TimeSpan Forgotten = TimeSpan.FromDays(1);

    private readonly PostgresDatabase _db;
    private readonly FleetRegistry _fleet;
    private readonly TimeProvider _time;
    private readonly ILogger<PostgresFleet> _logger;
    private readonly Guid _origin = Guid.NewGuid();
    private readonly SemaphoreSlim _observed = new(0, 1);

    public PostgresFleet(PostgresDatabase db, FleetRegistry fleet, TimeProvider time, ILogger<PostgresFleet> logger)
    {
        _db = db;
        _fleet = fleet;
        _time = time;
        _logger = logger;
        _fleet.Observed += OnObserved;
    }

    public override void Dispose()
    {
        _fleet.Observed -= OnObserved;
        _observed.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var listener = new PostgresListener(_db, Channel, ReadPeersAsync, _logger);
        var failing = false;
        while (true)
        {
            try
            {
                await _observed.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            try
            {
                await WriteAsync(stoppingToken);
                if (failing)
                {
                    failing = false;
                    LogSharingAgain(_logger);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception failure) when (failure is NpgsqlException or IOException or TimeoutException)
            {
                // Tried again after a pause, with whatever was observed meanwhile.
                if (!failing)
                {
                    failing = true;
                    LogShareFailed(_logger, failure.Message);
                }

                try
                {
                    await Task.Delay(_db.Options.PollInterval, _time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                OnObserved();
            }
        }

        // The streams this origin held are closed now; say so, so peers stop counting them.
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await WriteAsync(deadline.Token);
        }
        catch (Exception failure) when (failure is NpgsqlException or IOException or TimeoutException or OperationCanceledException)
        {
            LogShareFailed(_logger, failure.Message);
        }
    }

    private void OnObserved()
    {
        // At most one pending write: a burst of acks becomes one write of the latest state.
        try
        {
            if (_observed.CurrentCount == 0)
            {
                _observed.Release();
            }
        }
        catch (Exception e) when (e is SemaphoreFullException or ObjectDisposedException)
        {
            // A write is pending already, or the service is gone.
        }
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        var observations = _fleet.Observations();
        if (observations.Count == 0)
        {
            return;
        }

        await _db.Retry.RunAsync(
            "sharing the fleet",
            async (_, ct) =>
            {
                await using var connection = await _db.DataSource.OpenConnectionAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                await using (var upsert = new NpgsqlCommand(
                    """
                    INSERT INTO edgecache_fleet (edge_id, origin_id, region, endpoint, applied, last_seen, open_streams, hits, misses, entries, bytes)
                    SELECT e.id, @origin, e.region, e.endpoint, e.applied, e.seen, e.streams, e.hits, e.misses, e.entries, e.bytes
                    FROM unnest(@ids, @regions, @endpoints, @applied, @seen, @streams, @hits, @misses, @entries, @bytes)
                        AS e(id, region, endpoint, applied, seen, streams, hits, misses, entries, bytes)
                    ON CONFLICT (edge_id, origin_id) DO UPDATE SET
                        region = excluded.region, endpoint = excluded.endpoint, applied = excluded.applied,
                        last_seen = excluded.last_seen, open_streams = excluded.open_streams,
                        hits = excluded.hits, misses = excluded.misses, entries = excluded.entries, bytes = excluded.bytes
                    """,
                    connection,
                    transaction))
                {
                    upsert.Parameters.AddWithValue("origin", _origin);
                    Add(upsert, "ids", NpgsqlDbType.Text, observations.Select(o => o.Id).ToArray());
                    Add(upsert, "regions", NpgsqlDbType.Text, observations.Select(o => o.Region).ToArray());
                    Add(upsert, "endpoints", NpgsqlDbType.Text, observations.Select(o => o.Endpoint).ToArray());
                    Add(upsert, "applied", NpgsqlDbType.Bigint, observations.Select(o => o.Applied).ToArray());
                    Add(upsert, "seen", NpgsqlDbType.TimestampTz, observations.Select(o => o.LastSeen).ToArray());
                    Add(upsert, "streams", NpgsqlDbType.Integer, observations.Select(o => o.OpenStreams).ToArray());
                    Add(upsert, "hits", NpgsqlDbType.Bigint, observations.Select(o => o.Stats?.Hits).ToArray());
                    Add(upsert, "misses", NpgsqlDbType.Bigint, observations.Select(o => o.Stats?.Misses).ToArray());
                    Add(upsert, "entries", NpgsqlDbType.Bigint, observations.Select(o => o.Stats?.Entries).ToArray());
                    Add(upsert, "bytes", NpgsqlDbType.Bigint, observations.Select(o => o.Stats?.Bytes).ToArray());
                    await upsert.ExecuteNonQueryAsync(ct);
                }

                await PostgresListener.NotifyAsync(connection, transaction, Channel, _origin.ToString(), ct);
                await transaction.CommitAsync(ct);
            },
            cancellationToken);
    }

    /// <summary>Reads every other origin's rows and merges them into the registry; this origin's own notifications are skipped.</summary>
    private async Task ReadPeersAsync(string? payload, CancellationToken cancellationToken)
    {
        if (payload == _origin.ToString())
        {
            return;
        }

        var peers = new List<EdgeObservation>();
        await using var connection = await _db.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT edge_id, region, endpoint, applied, last_seen, open_streams, hits, misses, entries, bytes
            FROM edgecache_fleet WHERE origin_id <> @origin AND last_seen > @since
            """,
            connection);
        command.Parameters.AddWithValue("origin", _origin);
        command.Parameters.AddWithValue("since", _time.GetUtcNow() - Forgotten);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var stats = reader.IsDBNull(6)
                    ? null
                    : new CacheCounters(reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9));
                peers.Add(new EdgeObservation(
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.GetInt64(3),
                    reader.GetFieldValue<DateTimeOffset>(4),
                    reader.GetInt32(5),
                    stats));
            }
        }

        _fleet.MergePeers(peers);
    }

    private static void Add<T>(NpgsqlCommand command, string name, NpgsqlDbType type, T[] values)
        => command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | type) { Value = values });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not share this origin's view of the fleet through PostgreSQL: {Reason}; retrying with the next observation")]
    private static partial void LogShareFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sharing this origin's view of the fleet through PostgreSQL again")]
    private static partial void LogSharingAgain(ILogger logger);
}
