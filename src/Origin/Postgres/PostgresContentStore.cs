using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Data;
using System.Text.Json;
using EdgeCache.Origin.Content;
using EdgeCache.Replication.Changes;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace EdgeCache.Origin.Postgres;

/// <summary>
/// <see cref="IContentStore"/> in PostgreSQL, shared by every origin on the database: blobs, the
/// manifest and its applied seq, and blob pins live in tables; each origin keeps the manifest in
/// memory (refreshed by <see cref="RefreshAsync"/>) and caches blob bodies it served in a local
/// folder, which content addressing keeps valid for ever.
/// </summary>
/// <remarks>
/// Whether a blob exists is always asked of the database, never the local cache: another origin's
/// collector may have deleted it. Pinning and collecting take one advisory lock (shared and
/// exclusive), so a collection either sees a pin or finishes before the pinner checks the blob.
/// </remarks>
public sealed partial class PostgresContentStore : IContentStore, IAsyncDisposable
{
    /// <summary>A pin older than this is ignored and dropped: its origin died without releasing it.</summary>
    public static readonly TimeSpan PinExpiry = TimeSpan.FromDays(1);

    private const long CollectorLock = 0x45646765_47617262; // "EdgeGarb"
    private const int CopyBufferSize = 81920;

    private readonly PostgresDatabase _db;
    private readonly string _blobDirectory;
    private readonly string _tempDirectory;
    private readonly TimeProvider _time;
    private readonly ILogger<PostgresContentStore> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, byte> _inFlight = new(StringComparer.Ordinal);
    private volatile Snapshot _snapshot;

    private PostgresContentStore(PostgresDatabase db, string cacheDirectory, TimeProvider time, ILogger<PostgresContentStore> logger)
    {
        _db = db;
        _blobDirectory = Path.Combine(cacheDirectory, "blobs");
        _tempDirectory = Path.Combine(cacheDirectory, "tmp");
        _time = time;
        _logger = logger;
        _snapshot = new Snapshot(0, ImmutableSortedDictionary.Create<string, ContentItem>(StringComparer.Ordinal));
    }

    public long AppliedSeq => _snapshot.AppliedSeq;

    /// <summary>Opens the store of <paramref name="db"/> (migrated), with blob bodies cached under <paramref name="cacheDirectory"/>, and loads the manifest.</summary>
    public static async Task<PostgresContentStore> OpenAsync(
        PostgresDatabase db, string cacheDirectory, TimeProvider time, ILogger<PostgresContentStore> logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentException.ThrowIfNullOrEmpty(cacheDirectory);
        var root = Path.GetFullPath(cacheDirectory);
        Directory.CreateDirectory(Path.Combine(root, "blobs"));
        foreach (var leftover in Directory.CreateDirectory(Path.Combine(root, "tmp")).EnumerateFiles())
        {
            leftover.Delete();
        }

        var store = new PostgresContentStore(db, root, time, logger);
        await store.RefreshAsync(cancellationToken);
        LogOpened(logger, db.Schema, store._snapshot.Items.Count, store.AppliedSeq, root);
        return store;
    }

    public bool HasBlob(string hash) => BlobSize(hash) is not null;

    public long? BlobSize(string hash)
    {
        if (!FileContentStore.IsValidHash(hash))
        {
            return null;
        }

        using var connection = _db.DataSource.OpenConnection();
        using var command = new NpgsqlCommand("SELECT size FROM edgecache_blobs WHERE hash = @hash", connection);
        command.Parameters.AddWithValue("hash", hash);
        return command.ExecuteScalar() is long size ? size : null;
    }

    public IDisposable PinBlobs(IReadOnlyCollection<string> hashes)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        var pinned = hashes.Distinct(StringComparer.Ordinal).ToArray();
        var lease = Guid.NewGuid();
        using var connection = _db.DataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using (var command = new NpgsqlCommand(
            """
            SELECT pg_advisory_xact_lock_shared(@lock);
            INSERT INTO edgecache_blob_pins (lease, hash, pinned_at) SELECT @lease, hash, @at FROM unnest(@hashes) AS h(hash);
            """,
            connection,
            transaction))
        {
            command.Parameters.AddWithValue("lock", CollectorLock);
            command.Parameters.AddWithValue("lease", lease);
            command.Parameters.AddWithValue("at", _time.GetUtcNow());
            command.Parameters.Add(new NpgsqlParameter("hashes", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = pinned });
            command.ExecuteNonQuery();
        }

        transaction.Commit();
        return new PinLease(this, lease);
    }

    public async Task<string> WriteBlobAsync(Stream content, long maxBytes, string? expectedHash = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);

        var tempPath = Path.Combine(_tempDirectory, "blob-" + Guid.NewGuid().ToString("N") + ".tmp");
        _inFlight[tempPath] = 0;
        try
        {
            string hash;
            long size;
            try
            {
                // Not fsynced: the database makes the blob durable; this copy only feeds it (and the cache).
                (hash, size) = await BlobStaging.StageAsync(content, tempPath, maxBytes, durable: false, cancellationToken);
            }
            catch (ContentTooLargeException)
            {
                LogTooLarge(_logger, maxBytes);
                throw;
            }

            if (expectedHash is not null && !string.Equals(hash, expectedHash, StringComparison.Ordinal))
            {
                LogHashMismatch(_logger, expectedHash, hash);
                throw new BlobHashMismatchException(expectedHash, hash);
            }

            var now = _time.GetUtcNow();
            await _db.Retry.RunAsync(
                "storing a blob",
                async (_, ct) =>
                {
                    await using var connection = await _db.DataSource.OpenConnectionAsync(ct);
                    // A blob already there only gets younger, which keeps the collector off it for the publish to come.
                    await using (var touch = new NpgsqlCommand("UPDATE edgecache_blobs SET written_at = greatest(written_at, @at) WHERE hash = @hash", connection))
                    {
                        touch.Parameters.AddWithValue("hash", hash);
                        touch.Parameters.AddWithValue("at", now);
                        if (await touch.ExecuteNonQueryAsync(ct) > 0)
                        {
                            return;
                        }
                    }

                    await using var body = new FileStream(tempPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
                    await using var insert = new NpgsqlCommand(
                        """
                        INSERT INTO edgecache_blobs (hash, size, data, written_at) VALUES (@hash, @size, @data, @at)
                        ON CONFLICT (hash) DO UPDATE SET written_at = greatest(edgecache_blobs.written_at, excluded.written_at)
                        """,
                        connection);
                    insert.Parameters.AddWithValue("hash", hash);
                    insert.Parameters.AddWithValue("size", size);
                    insert.Parameters.Add(new NpgsqlParameter("data", NpgsqlDbType.Bytea) { Value = body, Size = checked((int)size) });
                    insert.Parameters.AddWithValue("at", now);
                    await insert.ExecuteNonQueryAsync(ct);
                },
                cancellationToken);

            // The writing origin keeps the body: the edges will soon ask it for this content.
            KeepInCache(tempPath, hash);
            return hash;
        }
        finally
        {
            // Gone already when it moved into the cache; deleting a missing file is no error.
            TryDelete(tempPath);
            _inFlight.TryRemove(tempPath, out _);
        }
    }

    public Stream? OpenBlob(string hash)
    {
        if (!FileContentStore.IsValidHash(hash))
        {
            return null;
        }

        if (TryOpenCached(hash) is { } cached)
        {
            return cached;
        }

        var tempPath = Path.Combine(_tempDirectory, "fetch-" + Guid.NewGuid().ToString("N") + ".tmp");
        _inFlight[tempPath] = 0;
        try
        {
            using (var connection = _db.DataSource.OpenConnection())
            using (var command = new NpgsqlCommand("SELECT data FROM edgecache_blobs WHERE hash = @hash", connection))
            {
                command.Parameters.AddWithValue("hash", hash);
                using var reader = command.ExecuteReader(CommandBehavior.SequentialAccess);
                if (!reader.Read())
                {
                    return null;
                }

                using var body = reader.GetStream(0);
                using var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, CopyBufferSize);
                body.CopyTo(file, CopyBufferSize);
            }

            KeepInCache(tempPath, hash);
            return TryOpenCached(hash);
        }
        finally
        {
            TryDelete(tempPath);
            _inFlight.TryRemove(tempPath, out _);
        }
    }

    public ContentItem? Get(string path) => _snapshot.Items.GetValueOrDefault(path);

    public IReadOnlyCollection<ContentItem> Items() => [.. _snapshot.Items.Values];

    /// <summary>
    /// Applies the changes in order in one transaction on the shared manifest (entries at or below
    /// its applied seq are skipped, whichever origin applied them), then refreshes this origin's copy.
    /// </summary>
    /// <exception cref="ArgumentException">An entry is malformed or the seqs are not increasing.</exception>
    public async Task ApplyAsync(IReadOnlyList<ChangeEntry> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ManifestChanges.Validate(changes);

        await _gate.WaitAsync(cancellationToken);
        try
        {
            await _db.Retry.RunAsync("applying changes to the manifest", (_, ct) => ApplyOnceAsync(changes, ct), cancellationToken);
            await RefreshUnderGateAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Brings this origin's copy of the manifest up to the shared one (what other origins applied).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await RefreshUnderGateAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Deletes blobs no manifest item references, no live pin holds and that are at least
    /// <see cref="FileContentStore.DefaultGarbageGrace"/> old, and expired pins; then drops cached
    /// bodies this origin no longer needs. Returns how many blobs were deleted from the database.
    /// </summary>
    public async Task<int> CollectGarbageAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var deleted = await _db.Retry.RunAsync(
            "collecting unreferenced blobs",
            async (_, ct) =>
            {
                await using var connection = await _db.DataSource.OpenConnectionAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@lock)", connection, transaction))
                {
                    lockCommand.Parameters.AddWithValue("lock", CollectorLock);
                    await lockCommand.ExecuteNonQueryAsync(ct);
                }

                var hashes = new List<string>();
                await using (var collect = new NpgsqlCommand(
                    """
                    DELETE FROM edgecache_blob_pins WHERE pinned_at <= @pinCutoff;
                    DELETE FROM edgecache_blobs b
                    WHERE b.written_at <= @cutoff
                      AND NOT EXISTS (SELECT 1 FROM edgecache_manifest m WHERE m.hash = b.hash)
                      AND NOT EXISTS (SELECT 1 FROM edgecache_blob_pins p WHERE p.hash = b.hash)
                    RETURNING b.hash;
                    """,
                    connection,
                    transaction))
                {
                    collect.Parameters.AddWithValue("pinCutoff", now - PinExpiry);
                    collect.Parameters.AddWithValue("cutoff", now - FileContentStore.DefaultGarbageGrace);
                    await using var reader = await collect.ExecuteReaderAsync(ct);
                    do
                    {
                        while (await reader.ReadAsync(ct))
                        {
                            hashes.Add(reader.GetString(0));
                        }
                    }
                    while (await reader.NextResultAsync(ct));
                }

                await transaction.CommitAsync(ct);
                return hashes;
            },
            cancellationToken);

        var dropped = DropCachedBodies(deleted, now);
        LogCollected(_logger, deleted.Count, dropped);
        return deleted.Count;
    }

    public ValueTask DisposeAsync()
    {
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task ApplyOnceAsync(IReadOnlyList<ChangeEntry> changes, CancellationToken cancellationToken)
    {
        await using var connection = await _db.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long applied;
        await using (var state = new NpgsqlCommand("SELECT applied_seq FROM edgecache_manifest_state WHERE id = 1 FOR UPDATE", connection, transaction))
        {
            applied = (long)(await state.ExecuteScalarAsync(cancellationToken) ?? throw new InvalidDataException("the manifest's state row is missing"));
        }

        var fresh = changes.Where(c => c.Seq > applied).ToList();
        if (fresh.Count == 0)
        {
            return;
        }

        var paths = new List<string>();
        var seqs = new List<long>();
        var hashes = new List<string?>();
        var items = new List<string?>();
        foreach (var change in fresh)
        {
            switch (change.Op)
            {
                case ChangeOps.Put:
                    var item = ManifestChanges.ToItem(change);
                    Upsert(item.Path, change.Seq, item.Hash, JsonSerializer.Serialize(item, ContentJsonContext.Default.ContentItem));
                    break;
                case ChangeOps.Delete:
                    Upsert(change.Path!, change.Seq, null, null);
                    break;
                default:
                    // Purges concern edge caches only; the content itself is unchanged.
                    break;
            }
        }

        if (paths.Count > 0)
        {
            await using var write = new NpgsqlCommand(
                """
                INSERT INTO edgecache_manifest (path, seq, hash, item)
                SELECT path, seq, hash, item FROM unnest(@paths, @seqs, @hashes, @items) AS c(path, seq, hash, item)
                ON CONFLICT (path) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, item = excluded.item
                """,
                connection,
                transaction);
            write.Parameters.Add(new NpgsqlParameter("paths", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = paths.ToArray() });
            write.Parameters.Add(new NpgsqlParameter("seqs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = seqs.ToArray() });
            write.Parameters.Add(new NpgsqlParameter("hashes", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = hashes.ToArray() });
            write.Parameters.Add(new NpgsqlParameter("items", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = items.ToArray() });
            await write.ExecuteNonQueryAsync(cancellationToken);

            await using var missing = new NpgsqlCommand(
                "SELECT DISTINCT h FROM unnest(@hashes) AS m(h) WHERE h IS NOT NULL AND NOT EXISTS (SELECT 1 FROM edgecache_blobs b WHERE b.hash = h)",
                connection,
                transaction);
            missing.Parameters.Add(new NpgsqlParameter("hashes", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = hashes.ToArray() });
            await using var reader = await missing.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                // The log is the truth, so the put still applies; but readers will find no body.
                LogBlobMissing(_logger, reader.GetString(0));
            }
        }

        await using (var advance = new NpgsqlCommand("UPDATE edgecache_manifest_state SET applied_seq = @seq WHERE id = 1", connection, transaction))
        {
            advance.Parameters.AddWithValue("seq", fresh[^1].Seq);
            await advance.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        LogApplied(_logger, fresh.Count, fresh[^1].Seq);

        void Upsert(string path, long seq, string? hash, string? item)
        {
            // A later change of the same path in this batch wins, as it would applied one by one.
            var at = paths.IndexOf(path);
            if (at < 0)
            {
                paths.Add(path);
                seqs.Add(seq);
                hashes.Add(hash);
                items.Add(item);
            }
            else
            {
                seqs[at] = seq;
                hashes[at] = hash;
                items[at] = item;
            }
        }
    }

    private async Task RefreshUnderGateAsync(CancellationToken cancellationToken)
    {
        var current = _snapshot;
        var next = await _db.Retry.RunAsync(
            "reading the manifest",
            async (attempt, ct) =>
            {
                await using var connection = await _db.DataSource.OpenConnectionAsync(ct);
                // One statement, one snapshot: the applied seq and the rows it covers.
                await using var command = new NpgsqlCommand(
                    """
                    SELECT s.applied_seq, m.hash, m.item, m.path
                    FROM edgecache_manifest_state s LEFT JOIN edgecache_manifest m ON m.seq > @after
                    WHERE s.id = 1
                    """,
                    connection);
                command.Parameters.AddWithValue("after", current.AppliedSeq);
                await using var reader = await command.ExecuteReaderAsync(ct);
                var items = current.Items.ToBuilder();
                var applied = current.AppliedSeq;
                while (await reader.ReadAsync(ct))
                {
                    applied = reader.GetInt64(0);
                    if (reader.IsDBNull(3))
                    {
                        continue;
                    }

                    if (reader.IsDBNull(1))
                    {
                        items.Remove(reader.GetString(3));
                        continue;
                    }

                    var item = JsonSerializer.Deserialize(reader.GetString(2), ContentJsonContext.Default.ContentItem);
                    if (item is null || !FileContentStore.IsValidHash(item.Hash) || !ContentPath.TryNormalize(item.Path, out _, out _))
                    {
                        throw new InvalidDataException($"the manifest row of {reader.GetString(3)} is not a valid item");
                    }

                    items[item.Path] = item;
                }

                return applied == current.AppliedSeq ? current : new Snapshot(applied, items.ToImmutable());
            },
            cancellationToken);
        _snapshot = next;
    }

    private string CachePath(string hash) => Path.Combine(_blobDirectory, hash[..2], hash);

    private FileStream? TryOpenCached(string hash)
    {
        try
        {
            return new FileStream(CachePath(hash), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 4096, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Moves a staged body into the local cache, unless another copy got there first (identical); either way the cached body is young.</summary>
    private void KeepInCache(string tempPath, string hash)
    {
        var cachePath = CachePath(hash);
        Directory.CreateDirectory(Path.GetDirectoryName(cachePath)!);
        try
        {
            File.Move(tempPath, cachePath, overwrite: false);
        }
        catch (IOException) when (File.Exists(cachePath))
        {
            // A concurrent writer or reader cached it first.
        }

        File.SetLastWriteTimeUtc(cachePath, _time.GetUtcNow().UtcDateTime);
    }

    /// <summary>Deletes the cached bodies of collected blobs, of blobs no item here references any more, and stale temp files.</summary>
    private int DropCachedBodies(List<string> collected, DateTimeOffset now)
    {
        var dropped = 0;
        foreach (var hash in collected)
        {
            if (File.Exists(CachePath(hash)) && TryDelete(CachePath(hash)))
            {
                dropped++;
            }
        }

        var referenced = _snapshot.Items.Values.Select(i => i.Hash).ToHashSet(StringComparer.Ordinal);
        var cutoff = (now - FileContentStore.DefaultGarbageGrace).UtcDateTime;
        foreach (var fanOut in new DirectoryInfo(_blobDirectory).EnumerateDirectories())
        {
            foreach (var body in fanOut.EnumerateFiles())
            {
                if (FileContentStore.IsValidHash(body.Name) && !referenced.Contains(body.Name) && body.LastWriteTimeUtc <= cutoff && TryDelete(body.FullName))
                {
                    dropped++;
                }
            }
        }

        foreach (var temp in new DirectoryInfo(_tempDirectory).EnumerateFiles())
        {
            if (!_inFlight.ContainsKey(temp.FullName))
            {
                TryDelete(temp.FullName);
            }
        }

        return dropped;
    }

    private void Unpin(Guid lease)
    {
        try
        {
            using var connection = _db.DataSource.OpenConnection();
            using var command = new NpgsqlCommand("DELETE FROM edgecache_blob_pins WHERE lease = @lease", connection);
            command.Parameters.AddWithValue("lease", lease);
            command.ExecuteNonQuery();
        }
        catch (NpgsqlException failure)
        {
            // The pin expires on its own (PinExpiry); until then it only keeps a blob a little longer.
            LogUnpinFailed(_logger, lease, failure.Message);
        }
    }

    private bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogDeleteFailed(_logger, path, e.Message);
            return false;
        }
    }

    private sealed record Snapshot(long AppliedSeq, ImmutableSortedDictionary<string, ContentItem> Items);

    private sealed class PinLease(PostgresContentStore store, Guid lease) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                store.Unpin(lease);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Opened the PostgreSQL content store (schema {Schema}): {Items} items, applied seq {AppliedSeq}, bodies cached in {Cache}")]
    private static partial void LogOpened(ILogger logger, string schema, int items, long appliedSeq, string cache);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected a blob larger than {Limit} bytes")]
    private static partial void LogTooLarge(ILogger logger, long limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a blob sent as {Expected}: its content hashes to {Actual}")]
    private static partial void LogHashMismatch(ILogger logger, string expected, string actual);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Applied {Count} changes; manifest at seq {AppliedSeq}")]
    private static partial void LogApplied(ILogger logger, int count, long appliedSeq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A put references blob {Hash}, which the database does not have")]
    private static partial void LogBlobMissing(ILogger logger, string hash);

    [LoggerMessage(Level = LogLevel.Information, Message = "Garbage collection deleted {Blobs} blobs from the database and {Cached} cached bodies")]
    private static partial void LogCollected(ILogger logger, int blobs, int cached);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release blob pin {Lease}: {Reason}; it expires on its own")]
    private static partial void LogUnpinFailed(ILogger logger, Guid lease, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete {Path}: {Reason}")]
    private static partial void LogDeleteFailed(ILogger logger, string path, string reason);
}
