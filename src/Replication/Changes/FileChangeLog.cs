using System.Buffers;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Replication.Changes;

/// <summary>
/// The change log as append-only segment files (framing: <see cref="ChangeRecord"/>). An append
/// writes its whole batch and fsyncs before it returns; on open, a torn or damaged tail is cut
/// back to the last complete batch. Compaction deletes whole old segments, so the low-water mark
/// is the first segment's name, and an empty segment named head + 1 keeps the head across restarts.
/// </summary>
public sealed partial class FileChangeLog : IChangeLog
{
    private readonly ChangeLogOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<FileChangeLog> _logger;

    // Serialises appends, compaction and dispose; reads never take it.
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    // Guards the segment list so readers can take a consistent snapshot.
    private readonly Lock _segmentsLock = new();
    private readonly List<LogSegment> _segments = [];

    // Recent entries by seq % length, so the feed's tail reads need no disk I/O.
    private readonly ChangeEntry?[] _recent;

    private FileStream? _active;
    private long _head;
    private long _lowWaterMark;
    private TaskCompletionSource _appended = NewSignal();
    private Exception? _failure;
    private bool _disposed;

    private FileChangeLog(ChangeLogOptions options, TimeProvider time, ILogger<FileChangeLog> logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _recent = new ChangeEntry?[options.CachedEntries];
    }

    /// <inheritdoc />
    public long Head => Volatile.Read(ref _head);

    /// <inheritdoc />
    public long LowWaterMark => Volatile.Read(ref _lowWaterMark);

    /// <summary>Opens the log in <see cref="ChangeLogOptions.Directory"/>, creating it if needed, and recovers from a torn tail.</summary>
    public static async Task<FileChangeLog> OpenAsync(ChangeLogOptions options, TimeProvider time, ILogger<FileChangeLog> logger,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Directory, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.Retain, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.SegmentBytes, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.CachedEntries, nameof(options));

        Directory.CreateDirectory(options.Directory);
        var log = new FileChangeLog(options, time, logger);
        await log.RecoverAsync(ct);
        return log;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ChangeEntry>> AppendAsync(IReadOnlyList<ChangeEntry> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return [];
        }

        foreach (var change in changes)
        {
            ArgumentNullException.ThrowIfNull(change, nameof(changes));
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfUnusable();
            var segment = _segments[^1];
            if (segment.Length >= _options.SegmentBytes)
            {
                segment = Roll();
            }

            var at = _time.GetUtcNow();
            var first = _head + 1;
            var last = _head + changes.Count;
            var appended = new ChangeEntry[changes.Count];
            var offsets = new long[changes.Count];
            var buffer = new ArrayBufferWriter<byte>(changes.Count * 256);
            for (var i = 0; i < changes.Count; i++)
            {
                appended[i] = changes[i] with { Seq = first + i, At = at };
                offsets[i] = segment.Length + buffer.WrittenCount;
                ChangeRecord.Write(buffer, appended[i], last);
            }

            // Past this point the batch is not cancelled: it either becomes durable whole or is undone.
            var stream = _active!;
            try
            {
                stream.Write(buffer.WrittenSpan);
                stream.Flush(flushToDisk: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Undo(stream, segment, ex);
                throw;
            }

            // Publish in the order readers rely on: cache, then segment length, then head.
            for (var i = 0; i < appended.Length; i++)
            {
                segment.Index(appended[i].Seq, offsets[i]);
                Remember(appended[i]);
            }

            segment.Length += buffer.WrittenCount;
            Volatile.Write(ref _head, last);
            Interlocked.Exchange(ref _appended, NewSignal()).TrySetResult();
            return appended;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ChangeEntry>> ReadAsync(long after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ObjectDisposedException.ThrowIf(_disposed, this);

        var head = Head;
        if (limit == 0 || after >= head)
        {
            return [];
        }

        var start = Math.Max(after, LowWaterMark - 1) + 1;
        if (start > head)
        {
            return [];
        }

        var end = start + Math.Min(limit - 1, head - start);
        if (TryReadRecent(start, end) is { } recent)
        {
            return recent;
        }

        var readers = new List<(LogSegment Segment, SegmentReader Reader)>();
        try
        {
            lock (_segmentsLock)
            {
                // Opened under the lock compaction deletes under, so every file is still there; an open
                // file stays readable after compaction unlinks it. The range is worked out again in
                // case compaction raised the low-water mark since it was first read.
                head = Head;
                start = Math.Max(after, _lowWaterMark - 1) + 1;
                end = start + Math.Min(limit - 1, head - start);

                var first = Math.Max(_segments.FindLastIndex(s => s.FirstSeq <= start), 0);
                for (var i = first; i < _segments.Count && _segments[i].FirstSeq <= end; i++)
                {
                    var segment = _segments[i];
                    readers.Add((segment, SegmentReader.Open(segment.Path, segment.OffsetAtOrBefore(start), segment.Length)));
                }
            }

            return await ReadSegmentsAsync(readers, start, end, cancellationToken);
        }
        finally
        {
            foreach (var (_, reader) in readers)
            {
                await reader.DisposeAsync();
            }
        }
    }

    /// <inheritdoc />
    public async Task WaitForEntriesAsync(long after, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            // Take the signal before checking the head, so an append in between still wakes us.
            var signal = Volatile.Read(ref _appended);
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
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfUnusable();

            // Entries below the boundary may go; only whole segments are deleted.
            var boundary = _head - _options.Retain + 1;
            if (boundary <= _lowWaterMark)
            {
                return 0;
            }

            // Only a closed segment can be deleted: close the active one when all it holds may go.
            if (_segments[^1].Length > 0 && _head + 1 <= boundary)
            {
                Roll();
            }

            var dropped = 0L;
            var deleted = 0;
            while (true)
            {
                lock (_segmentsLock)
                {
                    if (_segments.Count < 2 || _segments[1].FirstSeq > boundary)
                    {
                        break;
                    }

                    var oldest = _segments[0];
                    _segments.RemoveAt(0);
                    dropped += _segments[0].FirstSeq - oldest.FirstSeq;
                    Volatile.Write(ref _lowWaterMark, _segments[0].FirstSeq);

                    // Under the lock readers open files under. A crash before the delete only brings
                    // back entries below the low-water mark, never loses newer ones.
                    File.Delete(oldest.Path);
                }

                deleted++;
            }

            if (deleted > 0)
            {
                DirectorySync.Flush(_options.Directory);
                LogCompacted(_logger, dropped, deleted, _lowWaterMark, _head);
            }

            return dropped;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_active is not null)
            {
                await _active.DisposeAsync();
                _active = null;
            }

            Volatile.Read(ref _appended).TrySetException(new ObjectDisposedException(nameof(FileChangeLog)));
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failure is not null)
        {
            throw new IOException("The change log could not undo a failed append and refuses further writes; reopen it to recover.", _failure);
        }
    }

    /// <summary>Cuts a half-written batch off the active segment, so the next append does not land behind garbage.</summary>
    private void Undo(FileStream stream, LogSegment segment, Exception cause)
    {
        LogAppendFailed(_logger, cause, segment.Path, segment.Length);
        try
        {
            stream.SetLength(segment.Length);
            stream.Position = segment.Length;
            stream.Flush(flushToDisk: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Recovery on the next open cuts the torn batch off instead.
            _failure = ex;
        }
    }

    /// <summary>Closes the active segment and starts a new one named head + 1.</summary>
    private LogSegment Roll()
    {
        var segment = new LogSegment(_options.Directory, _head + 1);
        var stream = OpenForAppend(segment.Path, FileMode.CreateNew);
        DirectorySync.Flush(_options.Directory);
        _active?.Dispose();
        _active = stream;
        lock (_segmentsLock)
        {
            _segments.Add(segment);
        }

        return segment;
    }

    private static FileStream OpenForAppend(string path, FileMode mode) =>
        new(path, mode, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);

    private void Remember(ChangeEntry entry)
    {
        if (_recent.Length > 0)
        {
            Volatile.Write(ref _recent[entry.Seq % _recent.Length], entry);
        }
    }

    /// <summary>The entries <paramref name="start"/>..<paramref name="end"/> from memory, or null when any is no longer cached.</summary>
    private ChangeEntry[]? TryReadRecent(long start, long end)
    {
        if (_recent.Length == 0 || end - start + 1 > _recent.Length)
        {
            return null;
        }

        var entries = new ChangeEntry[end - start + 1];
        for (var seq = start; seq <= end; seq++)
        {
            // A slot reused by a newer append holds another seq: then the range is read from disk.
            var entry = Volatile.Read(ref _recent[seq % _recent.Length]);
            if (entry is null || entry.Seq != seq)
            {
                return null;
            }

            entries[seq - start] = entry;
        }

        return entries;
    }

    private static async Task<IReadOnlyList<ChangeEntry>> ReadSegmentsAsync(List<(LogSegment Segment, SegmentReader Reader)> readers,
        long start, long end, CancellationToken cancellationToken)
    {
        var entries = new List<ChangeEntry>((int)Math.Min(end - start + 1, 1024));
        foreach (var (segment, reader) in readers)
        {
            while (true)
            {
                var read = await reader.ReadAsync(cancellationToken);
                if (read.Status == RecordStatus.End)
                {
                    break;
                }

                if (read.Status != RecordStatus.Ok)
                {
                    throw new InvalidDataException($"Change log segment {segment.Path} is damaged at byte {reader.Position}: {read.Problem}.");
                }

                var entry = read.Entry!;
                if (entry.Seq < start)
                {
                    continue;
                }

                entries.Add(entry);
                if (entry.Seq >= end)
                {
                    return entries;
                }
            }
        }

        return entries;
    }

    /// <summary>Loads the segments, cutting a torn or damaged tail back to the last complete batch.</summary>
    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var files = Directory.EnumerateFiles(_options.Directory)
            .Select(path => (Path: path, FirstSeq: LogSegment.ParseFirstSeq(path)))
            .Where(f => f.FirstSeq is not null)
            .Select(f => (f.Path, FirstSeq: f.FirstSeq!.Value))
            .OrderBy(f => f.FirstSeq)
            .ToList();

        var head = files.Count > 0 ? files[0].FirstSeq - 1 : 0;
        var damaged = false;
        foreach (var (path, firstSeq) in files)
        {
            if (damaged || firstSeq != head + 1)
            {
                // After a cut, or past a gap, later segments cannot continue the log gaplessly.
                var bytes = new FileInfo(path).Length;
                File.Delete(path);
                LogSegmentDropped(_logger, path, bytes, head);
                damaged = true;
                continue;
            }

            var segment = new LogSegment(_options.Directory, firstSeq);
            var (end, lastSeq, cut) = await ScanAsync(segment, head, cancellationToken);
            segment.Length = end;
            head = lastSeq;
            damaged = cut;
            _segments.Add(segment);
        }

        if (_segments.Count == 0)
        {
            _segments.Add(new LogSegment(_options.Directory, head + 1));
        }

        _head = head;
        _lowWaterMark = _segments[0].FirstSeq;
        var active = _segments[^1];
        _active = OpenForAppend(active.Path, FileMode.OpenOrCreate);
        _active.Position = active.Length;

        // Covers a first segment just created and segments recovery deleted.
        DirectorySync.Flush(_options.Directory);
        LogOpened(_logger, _options.Directory, _lowWaterMark, _head, _segments.Count);
    }

    /// <summary>
    /// Reads one segment, indexing and caching its complete batches; truncates it after the last
    /// complete batch if anything follows that is not one. Returns that end, the last seq kept and whether it cut.
    /// </summary>
    private async Task<(long End, long LastSeq, bool Cut)> ScanAsync(LogSegment segment, long head, CancellationToken cancellationToken)
    {
        var goodEnd = 0L;
        var batch = new List<(ChangeEntry Entry, long Offset)>();
        var batchLast = 0L;
        string? problem = null;
        await using (var reader = SegmentReader.Open(segment.Path, 0, end: null))
        {
            while (true)
            {
                var offset = reader.Position;
                var read = await reader.ReadAsync(cancellationToken);
                if (read.Status == RecordStatus.End)
                {
                    if (batch.Count > 0)
                    {
                        problem = $"batch ending at seq {batchLast} is incomplete, only {batch.Count} of its records were written";
                    }

                    break;
                }

                if (read.Status != RecordStatus.Ok)
                {
                    problem = read.Problem;
                    break;
                }

                var entry = read.Entry!;
                var expected = head + batch.Count + 1;
                if (entry.Seq != expected)
                {
                    problem = $"seq {entry.Seq} where {expected} was expected";
                    break;
                }

                if (batch.Count == 0 ? read.BatchLast < entry.Seq : read.BatchLast != batchLast)
                {
                    problem = $"seq {entry.Seq} names batch end {read.BatchLast}, which does not fit";
                    break;
                }

                batchLast = read.BatchLast;
                batch.Add((entry, offset));
                if (entry.Seq == batchLast)
                {
                    foreach (var (e, o) in batch)
                    {
                        segment.Index(e.Seq, o);
                        Remember(e);
                    }

                    head = batchLast;
                    goodEnd = reader.Position;
                    batch.Clear();
                }
            }
        }

        if (problem is null)
        {
            return (goodEnd, head, false);
        }

        long fileLength;
        await using (var stream = new FileStream(segment.Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
        {
            fileLength = stream.Length;
            stream.SetLength(goodEnd);
            stream.Flush(flushToDisk: true);
        }

        LogTruncated(_logger, segment.Path, goodEnd, problem, fileLength - goodEnd, head);
        return (goodEnd, head, true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Opened the change log in {Directory}: seqs {LowWaterMark}..{Head} in {Segments} segments")]
    private static partial void LogOpened(ILogger logger, string directory, long lowWaterMark, long head, int segments);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Change log segment {Segment} is torn or damaged at byte {Offset} ({Problem}): truncated {DroppedBytes} bytes back to the last complete batch, head {Head}")]
    private static partial void LogTruncated(ILogger logger, string segment, long offset, string problem, long droppedBytes, long head);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Deleted change log segment {Segment} ({DroppedBytes} bytes): it does not continue the log, which ends at head {Head}")]
    private static partial void LogSegmentDropped(ILogger logger, string segment, long droppedBytes, long head);

    [LoggerMessage(Level = LogLevel.Information, Message = "Compacted the change log: dropped {Dropped} entries in {Segments} segments, low-water mark {LowWaterMark}, head {Head}")]
    private static partial void LogCompacted(ILogger logger, long dropped, int segments, long lowWaterMark, long head);

    [LoggerMessage(Level = LogLevel.Error, Message = "Appending to change log segment {Segment} failed; cutting it back to {Length} bytes")]
    private static partial void LogAppendFailed(ILogger logger, Exception exception, string segment, long length);
}
