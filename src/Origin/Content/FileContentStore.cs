using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeCache.Replication.Changes;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Origin.Content;

/// <summary>
/// <see cref="IContentStore"/> on the local file system:
/// <c>&lt;data&gt;/blobs/ab/abcdef…</c> (SHA-256, fanned out by its first two hex digits),
/// <c>&lt;data&gt;/manifest.json</c> (<c>{"appliedSeq":N,"items":[…]}</c>) and
/// <c>&lt;data&gt;/tmp/</c> for files being written. One process owns a data directory.
/// </summary>
/// <remarks>
/// Readers never lock: the manifest lives in an immutable snapshot that appliers swap.
/// Appliers and the garbage collector are serialised by one gate. Every file is fsynced before
/// its rename and, on Linux, the directory after it, so a rename survives a power loss.
/// Garbage collection spares blobs younger than a grace period (by file time, which the
/// store sets from its <see cref="TimeProvider"/> on every write, including a deduplicated
/// one), because a blob is written before the change that references it is logged and applied.
/// </remarks>
public sealed partial class FileContentStore : IContentStore, IDisposable
{
    /// <summary>How old an unreferenced blob must be before <see cref="CollectGarbageAsync(CancellationToken)"/> deletes it.</summary>
    public static readonly TimeSpan DefaultGarbageGrace = TimeSpan.FromMinutes(1);


    private readonly string _blobDirectory;
    private readonly string _tempDirectory;
    private readonly string _manifestPath;
    private readonly TimeProvider _time;
    private readonly ILogger<FileContentStore> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    // Pinned hashes and their lease counts; the collector must leave them alone. Also the pin lock.
    private readonly Dictionary<string, int> _pins = new(StringComparer.Ordinal);

    // Temp files being written right now; the collector must leave them alone.
    private readonly ConcurrentDictionary<string, byte> _inFlight = new(StringComparer.Ordinal);

    private volatile Snapshot _snapshot;

    private FileContentStore(string dataDirectory, TimeProvider time, ILogger<FileContentStore> logger, Snapshot snapshot)
    {
        DataDirectory = dataDirectory;
        _blobDirectory = Path.Combine(dataDirectory, "blobs");
        _tempDirectory = Path.Combine(dataDirectory, "tmp");
        _manifestPath = Path.Combine(dataDirectory, "manifest.json");
        _time = time;
        _logger = logger;
        _snapshot = snapshot;
    }

    /// <summary>The directory this store keeps its files in (absolute).</summary>
    public string DataDirectory { get; }

    public long AppliedSeq => _snapshot.AppliedSeq;

    /// <summary>
    /// Opens (creating if needed) the store in <paramref name="dataDirectory"/> and loads its
    /// manifest. Temp files left by a crash are deleted: nothing can be writing them yet.
    /// </summary>
    /// <exception cref="InvalidDataException">The manifest exists but cannot be read.</exception>
    public static async Task<FileContentStore> OpenAsync(string dataDirectory, TimeProvider time, ILogger<FileContentStore> logger, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);

        var root = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(Path.Combine(root, "blobs"));
        var tempDirectory = Directory.CreateDirectory(Path.Combine(root, "tmp"));

        var leftovers = 0;
        foreach (var file in tempDirectory.EnumerateFiles())
        {
            file.Delete();
            leftovers++;
        }

        var snapshot = await LoadAsync(Path.Combine(root, "manifest.json"), ct).ConfigureAwait(false);
        var store = new FileContentStore(root, time, logger, snapshot);
        LogOpened(logger, root, snapshot.Items.Count, snapshot.AppliedSeq, leftovers);
        return store;
    }

    /// <summary>True when <paramref name="hash"/> is 64 lower-case hex digits, the only form a blob name can take.</summary>
    public static bool IsValidHash(string? hash)
    {
        if (hash is null || hash.Length != 64)
        {
            return false;
        }

        foreach (var c in hash)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The strong ETag for a blob hash: the hash in quotes.</summary>
    public static string ETagFor(string hash) => "\"" + hash + "\"";

    /// <summary>The hash inside a strong ETag as <see cref="ETagFor"/> makes it; false for anything else (weak, malformed).</summary>
    public static bool TryParseETag(string? etag, out string hash)
    {
        hash = string.Empty;
        if (etag is null || etag.Length != 66 || etag[0] != '"' || etag[^1] != '"')
        {
            return false;
        }

        var inner = etag[1..^1];
        if (!IsValidHash(inner))
        {
            return false;
        }

        hash = inner;
        return true;
    }

    /// <summary>False for a malformed hash as well as a missing blob.</summary>
    public bool HasBlob(string hash) => IsValidHash(hash) && File.Exists(BlobPath(hash));

    public long? BlobSize(string hash)
    {
        if (!IsValidHash(hash))
        {
            return null;
        }

        var blob = new FileInfo(BlobPath(hash));
        return blob.Exists ? blob.Length : null;
    }

    public IDisposable PinBlobs(IReadOnlyCollection<string> hashes)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        var pinned = hashes.Distinct(StringComparer.Ordinal).ToArray();
        lock (_pins)
        {
            foreach (var hash in pinned)
            {
                _pins[hash] = _pins.GetValueOrDefault(hash) + 1;
            }
        }

        return new PinLease(this, pinned);
    }

    public async Task<string> WriteBlobAsync(Stream content, long maxBytes, string? expectedHash = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);

        var tempPath = Path.Combine(_tempDirectory, "blob-" + Guid.NewGuid().ToString("N") + ".tmp");
        _inFlight[tempPath] = 0;
        var keepTemp = false;
        try
        {
            string hash;
            try
            {
                (hash, _) = await BlobStaging.StageAsync(content, tempPath, maxBytes, durable: true, cancellationToken).ConfigureAwait(false);
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

            var finalPath = BlobPath(hash);
            var now = _time.GetUtcNow().UtcDateTime;
            if (File.Exists(finalPath))
            {
                // Refreshing the time keeps the collector off a blob a new publish is about to reference again.
                File.SetLastWriteTimeUtc(finalPath, now);
                return hash;
            }

            File.SetLastWriteTimeUtc(tempPath, now);
            Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
            try
            {
                File.Move(tempPath, finalPath, overwrite: false);
                keepTemp = true;
                DirectorySync.TryFlush(Path.GetDirectoryName(finalPath)!);
            }
            catch (IOException) when (File.Exists(finalPath))
            {
                // A concurrent writer of the same content won; its blob is identical.
                File.SetLastWriteTimeUtc(finalPath, now);
            }

            return hash;
        }
        finally
        {
            if (!keepTemp)
            {
                TryDelete(tempPath);
            }

            _inFlight.TryRemove(tempPath, out _);
        }
    }

    /// <summary>Null for a malformed hash as well as a missing blob; the path is only built from a validated hash.</summary>
    public Stream? OpenBlob(string hash)
    {
        if (!IsValidHash(hash))
        {
            return null;
        }

        try
        {
            // FileShare.Delete lets the collector unlink a blob while a slow client still reads it.
            return new FileStream(BlobPath(hash), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete,
                4096, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public ContentItem? Get(string path) => _snapshot.Items.GetValueOrDefault(path);

    public IReadOnlyCollection<ContentItem> Items() => [.. _snapshot.Items.Values];

    /// <summary>
    /// Applies the changes in order and rewrites the manifest atomically. The whole batch is
    /// validated first (paths, put ETags, seq order), so a bad entry changes nothing.
    /// </summary>
    /// <exception cref="ArgumentException">An entry is malformed or the seqs are not increasing.</exception>
    public async Task ApplyAsync(IReadOnlyList<ChangeEntry> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ManifestChanges.Validate(changes);

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = _snapshot;
            var items = current.Items.ToBuilder();
            var applied = current.AppliedSeq;
            var count = 0;
            foreach (var change in changes)
            {
                if (change.Seq <= applied)
                {
                    continue;
                }

                switch (change.Op)
                {
                    case ChangeOps.Put:
                        var item = ManifestChanges.ToItem(change);
                        if (!File.Exists(BlobPath(item.Hash)))
                        {
                            // The log is the truth, so the put still applies; but readers will find no body.
                            LogBlobMissing(_logger, change.Seq, item.Path, item.Hash);
                        }

                        items[item.Path] = item;
                        break;
                    case ChangeOps.Delete:
                        items.Remove(change.Path!);
                        break;
                    default:
                        // Purges concern edge caches only; the content itself is unchanged.
                        break;
                }

                applied = change.Seq;
                count++;
            }

            if (count == 0)
            {
                return;
            }

            var next = new Snapshot(applied, items.ToImmutable());
            await WriteManifestAsync(next, cancellationToken).ConfigureAwait(false);
            _snapshot = next;
            LogApplied(_logger, count, applied);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Nothing to do: one process owns a data directory, so its manifest is the stored one.</summary>
    public Task RefreshAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Collects with <see cref="DefaultGarbageGrace"/>.</summary>
    public Task<int> CollectGarbageAsync(CancellationToken cancellationToken = default) =>
        CollectGarbageAsync(DefaultGarbageGrace, cancellationToken);

    /// <summary>
    /// Deletes blobs no manifest item references and whose file time is at least
    /// <paramref name="grace"/> old, and every temp file not being written; returns how many blobs.
    /// Files in <c>blobs/</c> that are not named like a blob are left alone.
    /// </summary>
    public async Task<int> CollectGarbageAsync(TimeSpan grace, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero);

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var referenced = _snapshot.Items.Values.Select(i => i.Hash).ToHashSet(StringComparer.Ordinal);
            var cutoff = _time.GetUtcNow().UtcDateTime - grace;
            var deleted = 0;
            foreach (var fanOut in new DirectoryInfo(_blobDirectory).EnumerateDirectories())
            {
                foreach (var blob in fanOut.EnumerateFiles())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var name = blob.Name;
                    if (!IsValidHash(name) || !name.StartsWith(fanOut.Name, StringComparison.Ordinal) || referenced.Contains(name))
                    {
                        continue;
                    }

                    if (blob.LastWriteTimeUtc > cutoff)
                    {
                        continue;
                    }

                    // Checked and deleted under the pin lock: a pinner that then finds the blob present keeps it.
                    lock (_pins)
                    {
                        if (!_pins.ContainsKey(name) && TryDelete(blob.FullName))
                        {
                            deleted++;
                        }
                    }
                }
            }

            var temps = 0;
            foreach (var temp in new DirectoryInfo(_tempDirectory).EnumerateFiles())
            {
                if (!_inFlight.ContainsKey(temp.FullName) && TryDelete(temp.FullName))
                {
                    temps++;
                }
            }

            LogCollected(_logger, deleted, temps, referenced.Count);
            return deleted;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private string BlobPath(string hash) => Path.Combine(_blobDirectory, hash[..2], hash);

    private static async Task<Snapshot> LoadAsync(string manifestPath, CancellationToken ct)
    {
        ManifestDocument? document;
        try
        {
            var file = new FileStream(manifestPath, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                document = await JsonSerializer.DeserializeAsync(file, ContentJsonContext.Default.ManifestDocument, ct).ConfigureAwait(false);
            }
        }
        catch (FileNotFoundException)
        {
            return new Snapshot(0, ImmutableSortedDictionary.Create<string, ContentItem>(StringComparer.Ordinal));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the manifest {manifestPath} is not valid: {e.Message}", e);
        }

        if (document is null || document.AppliedSeq < 0)
        {
            throw new InvalidDataException($"the manifest {manifestPath} is not valid");
        }

        var items = ImmutableSortedDictionary.CreateBuilder<string, ContentItem>(StringComparer.Ordinal);
        foreach (var item in document.Items ?? [])
        {
            // The manifest is ours, but a hand-edited one must not smuggle in a path or hash we would build file names from.
            if (item is null || !IsValidHash(item.Hash) || !ContentPath.TryNormalize(item.Path, out _, out _) || !items.TryAdd(item.Path, item))
            {
                throw new InvalidDataException($"the manifest {manifestPath} has an invalid or duplicate item");
            }
        }

        return new Snapshot(document.AppliedSeq, items.ToImmutable());
    }

    private async Task WriteManifestAsync(Snapshot snapshot, CancellationToken ct)
    {
        var tempPath = Path.Combine(_tempDirectory, "manifest-" + Guid.NewGuid().ToString("N") + ".tmp");
        _inFlight[tempPath] = 0;
        var moved = false;
        try
        {
            var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                var document = new ManifestDocument(snapshot.AppliedSeq, [.. snapshot.Items.Values]);
                await JsonSerializer.SerializeAsync(file, document, ContentJsonContext.Default.ManifestDocument, ct).ConfigureAwait(false);
                await file.FlushAsync(ct).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            // rename(2) replaces the old manifest atomically: a reader or a crash sees the old or the new, never a mix.
            File.Move(tempPath, _manifestPath, overwrite: true);
            moved = true;
            DirectorySync.TryFlush(DataDirectory);
        }
        finally
        {
            if (!moved)
            {
                TryDelete(tempPath);
            }

            _inFlight.TryRemove(tempPath, out _);
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
            LogDeleteFailed(_logger, path, e);
            return false;
        }
    }

    private void Unpin(string[] hashes)
    {
        lock (_pins)
        {
            foreach (var hash in hashes)
            {
                if (_pins.TryGetValue(hash, out var count) && count > 1)
                {
                    _pins[hash] = count - 1;
                }
                else
                {
                    _pins.Remove(hash);
                }
            }
        }
    }

    private sealed record Snapshot(long AppliedSeq, ImmutableSortedDictionary<string, ContentItem> Items);

    private sealed class PinLease(FileContentStore store, string[] hashes) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                store.Unpin(hashes);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Opened content store {Directory}: {Items} items, applied seq {AppliedSeq}, {Leftovers} leftover temp files removed")]
    private static partial void LogOpened(ILogger logger, string directory, int items, long appliedSeq, int leftovers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected a blob larger than {Limit} bytes")]
    private static partial void LogTooLarge(ILogger logger, long limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a blob sent as {Expected}: its content hashes to {Actual}")]
    private static partial void LogHashMismatch(ILogger logger, string expected, string actual);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Applied {Count} changes; manifest at seq {AppliedSeq}")]
    private static partial void LogApplied(ILogger logger, int count, long appliedSeq);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change {Seq} puts {Path} with blob {Hash}, which the store does not have")]
    private static partial void LogBlobMissing(ILogger logger, long seq, string path, string hash);

    [LoggerMessage(Level = LogLevel.Information, Message = "Garbage collection deleted {Blobs} blobs and {Temps} temp files; {Referenced} blobs referenced")]
    private static partial void LogCollected(ILogger logger, int blobs, int temps, int referenced);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete {Path}")]
    private static partial void LogDeleteFailed(ILogger logger, string path, Exception exception);
}

/// <summary>The manifest file's shape.</summary>
internal sealed record ManifestDocument(long AppliedSeq, IReadOnlyList<ContentItem> Items);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ManifestDocument))]
[JsonSerializable(typeof(ContentItem))]
internal sealed partial class ContentJsonContext : JsonSerializerContext;
