using System.Buffers;
using System.IO.Pipelines;
using EdgeCache.Edge.Storage;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// A stored body held in arrays or in an extent of the arena's memory file, with a count of its
/// holders: the cache and every request that is still writing it. Pooled chunks and extents go
/// back when the last holder lets go, so an eviction never pulls memory from under a client
/// that is mid-way through a hit. Reached through <see cref="StoredBody"/>.
/// </summary>
internal sealed class RefCountedBody
{
    // What holds the bytes: a byte[] of exactly the body (not pooled: the GC frees it); a
    // byte[][] of pooled chunks; or a BodyExtent of the memory file.
    private readonly object _data;
    private int _holders = 1;

    private RefCountedBody(object data, long length)
    {
        _data = data;
        Length = length;
    }

    public long Length { get; }

    /// <summary>Where the body lies in the arena's memory file, for <c>sendfile</c>; null for a body held in arrays.</summary>
    public BodyExtent? Extent => _data as BodyExtent;

    /// <summary>Bytes of memory the body occupies, which is what the cache budget counts.</summary>
    public long Capacity
    {
        get
        {
            if (_data is byte[] single)
            {
                return single.Length;
            }

            if (_data is BodyExtent extent)
            {
                // The memory file holds whole pages.
                return (extent.Length + BodyArena.PageSize - 1) & ~(long)(BodyArena.PageSize - 1);
            }

            long capacity = 0;
            foreach (var chunk in Chunks)
            {
                capacity += chunk.Length;
            }

            return capacity;
        }
    }

    /// <summary>
    /// Bytes the body's bookkeeping takes besides its data: this object (40 B) and its array's
    /// header, or the chunk list's arrays, or the extent object.
    /// </summary>
    public long Bookkeeping => 40 + _data switch
    {
        byte[] => 24,
        BodyExtent => 48,
        _ => 24 + (8 + 24) * (long)Chunks.Length,
    };

    /// <summary>The chunks of a body of several; only for those.</summary>
    private byte[][] Chunks => (byte[][])_data;

    /// <summary>Copies a small body into one exactly sized array so a 1 KiB object costs 1 KiB.</summary>
    public static RefCountedBody CopyOf(IReadOnlyList<byte[]> chunks, long length)
    {
        var exact = GC.AllocateUninitializedArray<byte>(checked((int)length));
        var copied = 0;
        for (var i = 0; copied < length; i++)
        {
            var count = (int)Math.Min(chunks[i].Length, length - copied);
            chunks[i].AsSpan(0, count).CopyTo(exact.AsSpan(copied));
            copied += count;
        }

        return new RefCountedBody(exact, length);
    }

    /// <summary>
    /// Copies the body into <paramref name="arena"/>'s memory file; null when the arena has no room
    /// (or the body is larger than one extent), and the caller keeps the body in arrays.
    /// </summary>
    public static RefCountedBody? CopyInto(BodyArena arena, IReadOnlyList<byte[]> chunks, long length)
    {
        var extent = arena.TryAllocate(length);
        if (extent is null)
        {
            return null;
        }

        var target = extent.GetSpan();
        var copied = 0;
        for (var i = 0; copied < length; i++)
        {
            var count = (int)Math.Min(chunks[i].Length, length - copied);
            chunks[i].AsSpan(0, count).CopyTo(target[copied..]);
            copied += count;
        }

        return new RefCountedBody(extent, extent.Length);
    }

    /// <summary>Takes ownership of pooled chunks; they return to <see cref="ArrayPool{T}.Shared"/> on the last release.</summary>
    public static RefCountedBody Adopt(IReadOnlyList<byte[]> chunks, long length) => new((byte[][])[.. chunks], length);

    /// <summary>Takes a hold on the body; false when it has already been freed.</summary>
    public bool TryHold()
    {
        var holders = Volatile.Read(ref _holders);
        while (holders > 0)
        {
            var seen = Interlocked.CompareExchange(ref _holders, holders + 1, holders);
            if (seen == holders)
            {
                return true;
            }

            holders = seen;
        }

        return false;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _holders) == 0 && _data is not byte[])
        {
            if (_data is BodyExtent extent)
            {
                extent.Free();
                return;
            }

            foreach (var chunk in Chunks)
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
    }

    private const int UnflushedLimit = StoredBody.UnflushedLimit;

    /// <summary>
    /// Writes the whole body in segments of <paramref name="segment"/> bytes (0: the writer's own,
    /// see <see cref="SegmentedCopy"/>); the caller holds the body for the duration.
    /// </summary>
    public ValueTask WriteToAsync(PipeWriter writer, int segment, CancellationToken cancellationToken)
    {
        if (Length > UnflushedLimit)
        {
            return WriteFlushingAsync(writer, segment, cancellationToken);
        }

        if (_data is byte[] single)
        {
            SegmentedCopy.Write(writer, single.AsSpan(0, (int)Length), segment);
            return ValueTask.CompletedTask;
        }

        if (_data is BodyExtent extent)
        {
            SegmentedCopy.Write(writer, extent.GetSpan(), segment);
            return ValueTask.CompletedTask;
        }

        var remaining = Length;
        foreach (var chunk in Chunks)
        {
            var count = (int)Math.Min(chunk.Length, remaining);
            SegmentedCopy.Write(writer, chunk.AsSpan(0, count), segment);
            remaining -= count;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Writes <paramref name="length"/> bytes from <paramref name="start"/>, for a range request;
    /// the caller holds the body for the duration.
    /// </summary>
    public ValueTask WriteRangeAsync(Stream destination, long start, long length, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length - start);

        if (length == 0)
        {
            return ValueTask.CompletedTask;
        }

        if (_data is byte[] single)
        {
            return destination.WriteAsync(single.AsMemory((int)start, (int)length), cancellationToken);
        }

        if (_data is BodyExtent extent)
        {
            return destination.WriteAsync(extent.Memory.Slice((int)start, (int)length), cancellationToken);
        }

        return WriteRangeChunksAsync(destination, start, length, cancellationToken);
    }

    /// <summary>A large body is flushed every <see cref="UnflushedLimit"/> bytes, so a hit never buffers more than that.</summary>
    private async ValueTask WriteFlushingAsync(PipeWriter writer, int segment, CancellationToken cancellationToken)
    {
        if (_data is BodyExtent extent)
        {
            for (var offset = 0; offset < extent.Length; offset += UnflushedLimit)
            {
                var count = Math.Min(UnflushedLimit, extent.Length - offset);
                SegmentedCopy.Write(writer, extent.Memory.Span.Slice(offset, count), segment);
                var flushed = await writer.FlushAsync(cancellationToken);
                if (flushed.IsCanceled || flushed.IsCompleted)
                {
                    return;
                }
            }

            return;
        }

        var remaining = Length;
        var unflushed = 0;
        foreach (var chunk in _data as byte[][] ?? [(byte[])_data])
        {
            var count = (int)Math.Min(chunk.Length, remaining);
            SegmentedCopy.Write(writer, chunk.AsSpan(0, count), segment);
            remaining -= count;
            unflushed += count;
            if (unflushed >= UnflushedLimit || remaining == 0)
            {
                unflushed = 0;
                var result = await writer.FlushAsync(cancellationToken);
                if (result.IsCanceled || result.IsCompleted)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Walks the chunks by their actual lengths rather than assuming <see cref="CacheFill.ChunkSize"/>,
    /// so it holds for any layout <see cref="Adopt"/> is given.
    /// </summary>
    private async ValueTask WriteRangeChunksAsync(Stream destination, long start, long length, CancellationToken cancellationToken)
    {
        long chunkStart = 0;
        foreach (var chunk in Chunks)
        {
            var chunkEnd = chunkStart + chunk.Length;
            if (start < chunkEnd)
            {
                var offset = (int)(start - chunkStart);
                var count = (int)Math.Min(chunk.Length - offset, length);
                await destination.WriteAsync(chunk.AsMemory(offset, count), cancellationToken);
                start += count;
                length -= count;
                if (length == 0)
                {
                    return;
                }
            }

            chunkStart = chunkEnd;
        }
    }
}
