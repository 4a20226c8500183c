using System.Globalization;
using System.Text.Json;
using EdgeCache.Replication.Changes;
using EdgeCache.Replication.Feed;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace EdgeCache.Origin.Postgres;

/// <summary>
/// The change log in PostgreSQL, shared by every origin on the database. An append locks the one
/// state row, so seqs are gapless and ordered across origins, and returns once its transaction
/// committed. Each instance learns of other origins' appends through LISTEN/NOTIFY and, should a
/// notification be lost or the listening connection be down, by reading the head every
/// <see cref="PostgresOptions.PollInterval"/>.
/// </summary>
public sealed class PostgresChangeLog : IChangeLog
{
    /// <summary>The notification channel; the payload is the new head.</summary>
    internal const string Channel = "edgecache_log";

    private readonly PostgresDatabase _db;
    private readonly long _retain;
    private readonly TimeProvider _time;
    private PostgresListener? _listener;
    private TaskCompletionSource _advanced = NewSignal();
    private long _head;
    private long _lowWaterMark;
    private volatile bool _disposed;

    private PostgresChangeLog(PostgresDatabase db, long retain, TimeProvider time)
    {
        _db = db;
        _retain = retain;
        _time = time;
    }

    /// <inheritdoc />
    public long Head => Volatile.Read(ref _head);

    /// <inheritdoc />
    public long LowWaterMark => Volatile.Read(ref _lowWaterMark);

    /// <summary>Opens the log of <paramref name="db"/> (migrated) and starts following other origins' appends.</summary>
    /// <param name="retain">How many of the newest entries compaction keeps at least.</param>
    public static async Task<PostgresChangeLog> OpenAsync(PostgresDatabase db, long retain, TimeProvider time, ILogger<PostgresChangeLog> logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentOutOfRangeException.ThrowIfLessThan(retain, 1);
        var log = new PostgresChangeLog(db, retain, time);
        await db.Retry.RunAsync("reading the change log's head", (_, ct) => log.RefreshAsync(ct), cancellationToken);
        log._listener = new PostgresListener(db, Channel, log.HeardAsync, logger);
        return log;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ChangeEntry>> AppendAsync(IReadOnlyList<ChangeEntry> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (changes.Count == 0)
        {
            return [];
        }

        foreach (var change in changes)
        {
            ArgumentNullException.ThrowIfNull(change, nameof(changes));
        }

        var appendId = Guid.NewGuid();
        var at = _time.GetUtcNow();
        var appended = await _db.Retry.RunAsync(
            "appending to the change log",
            async (attempt, ct) =>
            {
                await using var connection = await _db.DataSource.OpenConnectionAsync(ct);
                if (attempt > 0 && await FindAppendAsync(connection, appendId, ct) is { Count: > 0 } landed)
                {
                    // The commit of an earlier attempt went through; only its answer was lost.
                    return landed;
                }

                return await AppendOnceAsync(connection, changes, appendId, at, ct);
            },
            cancellationToken);
        Advance(appended[^1].Seq);
        return appended;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ChangeEntry>> ReadAsync(long after, int limit, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (limit <= 0 || after == long.MaxValue)
        {
            return [];
        }

        return await _db.Retry.RunAsync(
            "reading the change log",
            async (_, ct) =>
            {
                await using var connection = await _db.DataSource.OpenConnectionAsync(ct);
                await using var command = new NpgsqlCommand("SELECT entry FROM edgecache_log WHERE seq > @after ORDER BY seq LIMIT @limit", connection);
                command.Parameters.AddWithValue("after", Math.Max(after, 0));
                command.Parameters.AddWithValue("limit", limit);
                return await ReadEntriesAsync(command, ct);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task WaitForEntriesAsync(long after, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            // Take the signal before checking the head, so an advance in between still wakes us.
            var signal = Volatile.Read(ref _advanced);
            if (Head > after)
            {
                return;
            }

            ObjectDisposedException.ThrowIf(_disposed, this);
            await signal.Task.WaitAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask<long> CompactAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (dropped, lowWaterMark) = await _db.Retry.RunAsync(
            "compacting the change log",
            async (_, ct) =>
            {
                await using var connection = await _db.DataSource.OpenConnectionAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                var (head, low) = await ReadStateAsync(connection, transaction, forUpdate: true, ct);
                var newLow = Math.Max(low, head - _retain + 1);
                if (newLow <= low)
                {
                    return (0L, low);
                }

                await using (var delete = new NpgsqlCommand("DELETE FROM edgecache_log WHERE seq < @low", connection, transaction))
                {
                    delete.Parameters.AddWithValue("low", newLow);
                    await delete.ExecuteNonQueryAsync(ct);
                }

                await using (var update = new NpgsqlCommand("UPDATE edgecache_log_state SET low_water_mark = @low WHERE id = 1", connection, transaction))
                {
                    update.Parameters.AddWithValue("low", newLow);
                    await update.ExecuteNonQueryAsync(ct);
                }

                await transaction.CommitAsync(ct);
                return (newLow - low, newLow);
            },
            cancellationToken);
        RaiseLowWaterMark(lowWaterMark);
        return dropped;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_listener is not null)
        {
            await _listener.DisposeAsync();
        }

        // Waiters see the disposal rather than hang.
        Interlocked.Exchange(ref _advanced, NewSignal()).TrySetResult();
    }

    private static async Task<IReadOnlyList<ChangeEntry>> AppendOnceAsync(
        NpgsqlConnection connection, IReadOnlyList<ChangeEntry> changes, Guid appendId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (head, _) = await ReadStateAsync(connection, transaction, forUpdate: true, cancellationToken);
        var appended = new ChangeEntry[changes.Count];
        var seqs = new long[changes.Count];
        var texts = new string[changes.Count];
        for (var i = 0; i < changes.Count; i++)
        {
            appended[i] = changes[i] with { Seq = head + 1 + i, At = at };
            seqs[i] = appended[i].Seq;
            texts[i] = JsonSerializer.Serialize(appended[i], ReplicationJsonContext.Default.ChangeEntry);
        }

        var last = seqs[^1];
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO edgecache_log (seq, append_id, entry) SELECT seq, @append, entry FROM unnest(@seqs, @entries) AS e(seq, entry)",
            connection,
            transaction))
        {
            insert.Parameters.AddWithValue("append", appendId);
            insert.Parameters.Add(new NpgsqlParameter("seqs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = seqs });
            insert.Parameters.Add(new NpgsqlParameter("entries", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = texts });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var update = new NpgsqlCommand("UPDATE edgecache_log_state SET head = @head WHERE id = 1", connection, transaction))
        {
            update.Parameters.AddWithValue("head", last);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        // The notification goes out with the commit, and only if it commits.
        await PostgresListener.NotifyAsync(connection, transaction, Channel, last.ToString(CultureInfo.InvariantCulture), cancellationToken);

        await transaction.CommitAsync(cancellationToken);
        return appended;
    }

    private static async Task<IReadOnlyList<ChangeEntry>> FindAppendAsync(NpgsqlConnection connection, Guid appendId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT entry FROM edgecache_log WHERE append_id = @append ORDER BY seq", connection);
        command.Parameters.AddWithValue("append", appendId);
        return await ReadEntriesAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<ChangeEntry>> ReadEntriesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var entries = new List<ChangeEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(JsonSerializer.Deserialize(reader.GetString(0), ReplicationJsonContext.Default.ChangeEntry)
                ?? throw new InvalidDataException("a change log row holds null"));
        }

        return entries;
    }

    private static async Task<(long Head, long LowWaterMark)> ReadStateAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, bool forUpdate, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT head, low_water_mark FROM edgecache_log_state WHERE id = 1" + (forUpdate ? " FOR UPDATE" : string.Empty),
            connection,
            transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new InvalidDataException("the change log's state row is missing");
        }

        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Reads the head and low-water mark as they are in the database now.</summary>
    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _db.DataSource.OpenConnectionAsync(cancellationToken);
        var (head, low) = await ReadStateAsync(connection, null, forUpdate: false, cancellationToken);
        RaiseLowWaterMark(low);
        Advance(head);
    }

    /// <summary>A notification ("head") or a poll: raise the head to what it says, or to what the database says.</summary>
    private async Task HeardAsync(string? payload, CancellationToken cancellationToken)
    {
        if (payload is not null && long.TryParse(payload, NumberStyles.None, CultureInfo.InvariantCulture, out var head))
        {
            Advance(head);
            return;
        }

        await RefreshAsync(cancellationToken);
    }

    /// <summary>Raises the head (never lowers it) and wakes the waiters.</summary>
    private void Advance(long head)
    {
        var current = Volatile.Read(ref _head);
        while (head > current)
        {
            var seen = Interlocked.CompareExchange(ref _head, head, current);
            if (seen == current)
            {
                Interlocked.Exchange(ref _advanced, NewSignal()).TrySetResult();
                return;
            }

            current = seen;
        }
    }

    private void RaiseLowWaterMark(long lowWaterMark)
    {
        var current = Volatile.Read(ref _lowWaterMark);
        while (lowWaterMark > current)
        {
            var seen = Interlocked.CompareExchange(ref _lowWaterMark, lowWaterMark, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

}
