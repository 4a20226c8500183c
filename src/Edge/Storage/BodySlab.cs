namespace EdgeCache.Edge.Storage;

/// <summary>
/// One slab of <see cref="BodySlabs"/>: an arena extent cut into equal slots. Its bookkeeping
/// (the free slots, the count in use) is guarded by its size class's lock.
/// </summary>
internal sealed class BodySlab
{
    private readonly BodySlabs.SlabClass _class;
    private readonly BodyExtent _extent;
    private readonly ushort[] _free;
    private int _freeCount;
    private int _fresh;
    private int _used;
    private bool _retired;

    internal BodySlab(BodySlabs.SlabClass sizeClass, BodyExtent extent)
    {
        _class = sizeClass;
        _extent = extent;
        _free = new ushort[BodySlabs.SlabBytes / sizeClass.SlotSize];
    }

    /// <summary>The bytes of every slot.</summary>
    public int SlotSize => _class.SlotSize;

    /// <summary>True while the slab is on its class's stack of slabs with room.</summary>
    internal bool Listed { get; set; }

    internal bool IsFull => _used == _free.Length;

    internal bool IsEmpty => _used == 0;

    /// <summary>The first <paramref name="length"/> bytes of <paramref name="slot"/>.</summary>
    public Span<byte> Span(int slot, int length) => _extent.GetSpan().Slice(slot * SlotSize, length);

    /// <summary>The first <paramref name="length"/> bytes of <paramref name="slot"/>, for asynchronous writes.</summary>
    public Memory<byte> Memory(int slot, int length) => _extent.Memory.Slice(slot * SlotSize, length);

    /// <summary>Gives the slot back; the caller guarantees nobody reads it any more.</summary>
    public void Free(int slot) => _class.Free(this, slot);

    internal bool TryTake(out int slot)
    {
        if (_retired || IsFull)
        {
            slot = -1;
            return false;
        }

        slot = _freeCount > 0 ? _free[--_freeCount] : _fresh++;
        _used++;
        return true;
    }

    internal void Put(int slot)
    {
        _free[_freeCount++] = (ushort)slot;
        _used--;
    }

    /// <summary>Returns the slab's pages to the arena; it hands out no slot after this.</summary>
    internal void Retire()
    {
        _retired = true;
        _extent.Free();
    }
}
