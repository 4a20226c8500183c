using System.Buffers;
using System.IO.Pipelines;
using EdgeCache.Edge.Storage;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// The body of a stored response, shared by the cache and by every request still writing it.
/// A small body is a slot of a <see cref="BodySlabs"/> slab, whose holders and generation the
/// slab counts, so the entry carries no object for it; any other body is a
/// <see cref="RefCountedBody"/> (arrays, or an extent of the arena's memory file that hits send
/// with <c>sendfile</c>). Either way its memory goes back when the last holder lets go, and a
/// holder that comes late finds it gone rather than someone else's bytes.
/// </summary>
internal readonly struct StoredBody : IEquatable<StoredBody>
{
    /// <summary>
    /// Bodies up to this size are copied into the response without a flush: Kestrel sends them
    /// with the headers in one write when the request ends, instead of one send (and, above its
    /// 64 KiB response buffer, one wait) per chunk.
    /// </summary>
    public const int UnflushedLimit = 256 * 1024;

    // A RefCountedBody, or a BodySlab with the slot and the generation the slot had when this body took it.
    private readonly object _data;
    private readonly int _slot;
    private readonly int _generation;

    private StoredBody(RefCountedBody body)
    {
        _data = body;
        _slot = -1;
    }

    private StoredBody(BodySlab slab, int slot, int generation)
    {
        _data = slab;
        _slot = slot;
        _generation = generation;
    }

    public long Length => _data is BodySlab slab ? slab.Length(_slot) : Counted.Length;

    /// <summary>Where the body lies in the arena's memory file, for <c>sendfile</c>; null for a body held in arrays or a slab.</summary>
    public BodyExtent? Extent => (_data as RefCountedBody)?.Extent;

    /// <summary>Bytes of memory the body occupies, which is what the cache budget counts.</summary>
    public long Capacity => _data is BodySlab slab ? slab.SlotSize : Counted.Capacity;

    /// <summary>Bytes the body's bookkeeping takes besides its data, which the cache budget counts too.</summary>
    public long Bookkeeping => _data is BodySlab ? BodySlab.SlotBookkeeping : Counted.Bookkeeping;

    private RefCountedBody Counted => (RefCountedBody)_data;

    /// <summary>Copies a small body into one exactly sized array so a 1 KiB object costs 1 KiB.</summary>
    public static StoredBody CopyOf(IReadOnlyList<byte[]> chunks, long length) => new(RefCountedBody.CopyOf(chunks, length));

    /// <summary>
    /// Copies the body into <paramref name="arena"/>'s memory file; null when the arena has no room
    /// (or the body is larger than one extent), and the caller keeps the body in arrays.
    /// </summary>
    public static StoredBody? CopyInto(BodyArena arena, IReadOnlyList<byte[]> chunks, long length)
    {
        var body = RefCountedBody.CopyInto(arena, chunks, length);
        return body is null ? null : new StoredBody?(new StoredBody(body));
    }

    /// <summary>
    /// Copies a small body into a slot of <paramref name="slabs"/>; null when it is empty, larger
    /// than <see cref="BodySlabs.MaxBody"/>, or the arena has no room, and the caller keeps it in an array.
    /// </summary>
    public static StoredBody? CopyInto(BodySlabs slabs, byte[] chunk, int length)
    {
        var slab = slabs.TryAllocate(length, out var slot, out var generation);
        if (slab is null)
        {
            return null;
        }

        chunk.AsSpan(0, length).CopyTo(slab.Span(slot));
        return new StoredBody(slab, slot, generation);
    }

    /// <summary>Takes ownership of pooled chunks; they return to the shared array pool on the last release.</summary>
    public static StoredBody Adopt(IReadOnlyList<byte[]> chunks, long length) => new(RefCountedBody.Adopt(chunks, length));

    /// <summary>Takes a hold on the body; false when it has already been freed.</summary>
    public bool TryHold() => _data is BodySlab slab ? slab.TryHold(_slot, _generation) : Counted.TryHold();

    /// <summary>Lets go of a hold; the last one frees the memory.</summary>
    public void Release()
    {
        if (_data is BodySlab slab)
        {
            slab.Release(_slot);
        }
        else
        {
            Counted.Release();
        }
    }

    /// <summary>Writes the whole body; the caller holds the body for the duration.</summary>
    public ValueTask WriteToAsync(PipeWriter writer, int segment, CancellationToken cancellationToken)
    {
        if (_data is BodySlab slab)
        {
            SegmentedCopy.Write(writer, slab.Span(_slot), segment);
            return ValueTask.CompletedTask;
        }

        return Counted.WriteToAsync(writer, segment, cancellationToken);
    }

    /// <summary>
    /// Writes <paramref name="length"/> bytes from <paramref name="start"/>, for a range request;
    /// the caller holds the body for the duration.
    /// </summary>
    public ValueTask WriteRangeAsync(Stream destination, long start, long length, CancellationToken cancellationToken)
    {
        if (_data is not BodySlab slab)
        {
            return Counted.WriteRangeAsync(destination, start, length, cancellationToken);
        }

        ArgumentNullException.ThrowIfNull(destination);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, Length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length - start);
        return length == 0
            ? ValueTask.CompletedTask
            : destination.WriteAsync(slab.Memory(_slot).Slice((int)start, (int)length), cancellationToken);
    }

    public bool Equals(StoredBody other) => ReferenceEquals(_data, other._data) && _slot == other._slot && _generation == other._generation;

    public override bool Equals(object? obj) => obj is StoredBody other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_data, _slot, _generation);

    public static bool operator ==(StoredBody left, StoredBody right) => left.Equals(right);

    public static bool operator !=(StoredBody left, StoredBody right) => !left.Equals(right);
}
