using System.Buffers;

namespace EdgeCache.Edge.Storage;

/// <summary>
/// A live extent of a <see cref="BodyArena"/>: its bytes as <see cref="Memory{T}"/> over the arena's mapping,
/// and its place in the memfd for sendfile. Valid until <see cref="Free"/> or the arena's disposal.
/// </summary>
internal sealed unsafe class BodyExtent : MemoryManager<byte>
{
    private int _freed;

    internal BodyExtent(BodyArena arena, long offset, int length, int sizeClass)
    {
        Arena = arena;
        Offset = offset;
        Length = length;
        SizeClass = sizeClass;
    }

    /// <summary>The arena the extent lives in.</summary>
    public BodyArena Arena { get; }

    /// <summary>Where the extent starts in the memfd; page aligned.</summary>
    public long Offset { get; }

    /// <summary>The requested length; the slot behind it is the length's size class.</summary>
    public int Length { get; }

    /// <summary>The index of the extent's size class, for its slot's free list.</summary>
    internal int SizeClass { get; }

    /// <summary>The mapped bytes [<see cref="Offset"/>, <see cref="Offset"/> + <see cref="Length"/>).</summary>
    public override Span<byte> GetSpan() => new((byte*)Arena.Address + Offset, Length);

    /// <summary>The mapping never moves, so pinning is only a pointer.</summary>
    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)elementIndex, (uint)Length, nameof(elementIndex));
        return new MemoryHandle((byte*)Arena.Address + Offset + elementIndex);
    }

    /// <inheritdoc />
    public override void Unpin()
    {
    }

    /// <summary>
    /// Punches the pages out and returns the slot to its class's free list. Idempotent. The caller
    /// guarantees nobody uses the memory afterwards.
    /// </summary>
    public void Free()
    {
        if (Interlocked.Exchange(ref _freed, 1) == 0)
        {
            Arena.Release(this);
        }
    }

    /// <summary>Nothing to release: the bytes belong to the arena until <see cref="Free"/>.</summary>
    protected override void Dispose(bool disposing)
    {
    }
}
