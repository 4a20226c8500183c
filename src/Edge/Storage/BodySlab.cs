namespace EdgeCache.Edge.Storage;

/// <summary>
/// One slab of <see cref="BodySlabs"/>: an arena extent cut into equal slots. Each slot has a
/// holder count and a generation, which rises each time the slot is handed out, so a hold on a
/// body whose slot has since gone to another body fails instead of reading the other's bytes.
/// The rest of the bookkeeping (the free slots, the count in use) is guarded by the size class's lock.
/// </summary>
internal sealed class BodySlab
{
    private readonly BodySlabs.SlabClass _class;
    private readonly BodyExtent _extent;
    private readonly ushort[] _free;

    // Per slot: the generation in the high 32 bits, the holders in the low 32.
    private readonly long[] _states;
    private readonly ushort[] _lengths;
    private int _freeCount;
    private int _fresh;
    private int _used;
    private bool _retired;

    internal BodySlab(BodySlabs.SlabClass sizeClass, BodyExtent extent)
    {
        _class = sizeClass;
        _extent = extent;
        var slots = BodySlabs.SlabBytes / sizeClass.SlotSize;
        _free = new ushort[slots];
        _states = new long[slots];
        _lengths = new ushort[slots];
    }

    /// <summary>Bytes of bookkeeping per slot: its state, its length and its place in the free list.</summary>
    public const int SlotBookkeeping = sizeof(long) + sizeof(ushort) + sizeof(ushort);

    /// <summary>The bytes of every slot.</summary>
    public int SlotSize => _class.SlotSize;

    /// <summary>True while the slab is on its class's stack of slabs with room.</summary>
    internal bool Listed { get; set; }

    internal bool IsFull => _used == _free.Length;

    internal bool IsEmpty => _used == 0;

    /// <summary>The length of the body in <paramref name="slot"/>.</summary>
    public int Length(int slot) => _lengths[slot];

    /// <summary>The body in <paramref name="slot"/>.</summary>
    public Span<byte> Span(int slot) => _extent.GetSpan().Slice(slot * SlotSize, _lengths[slot]);

    /// <summary>The body in <paramref name="slot"/>, for asynchronous writes.</summary>
    public Memory<byte> Memory(int slot) => _extent.Memory.Slice(slot * SlotSize, _lengths[slot]);

    /// <summary>Takes a hold on the body of <paramref name="generation"/> in <paramref name="slot"/>; false once it is freed.</summary>
    public bool TryHold(int slot, int generation)
    {
        var state = Volatile.Read(ref _states[slot]);
        while ((int)(state >> 32) == generation && (int)state > 0)
        {
            var seen = Interlocked.CompareExchange(ref _states[slot], state + 1, state);
            if (seen == state)
            {
                return true;
            }

            state = seen;
        }

        return false;
    }

    /// <summary>Lets go of a hold on the body in <paramref name="slot"/>; the last one gives the slot back.</summary>
    public void Release(int slot)
    {
        if ((int)Interlocked.Decrement(ref _states[slot]) == 0)
        {
            _class.Free(this, slot);
        }
    }

    /// <summary>Takes a free slot for a body of <paramref name="length"/> bytes, held once, under a new generation.</summary>
    internal bool TryTake(int length, out int slot, out int generation)
    {
        if (_retired || IsFull)
        {
            slot = generation = -1;
            return false;
        }

        slot = _freeCount > 0 ? _free[--_freeCount] : _fresh++;
        _used++;
        _lengths[slot] = (ushort)length;
        generation = (int)(Volatile.Read(ref _states[slot]) >> 32) + 1;
        Volatile.Write(ref _states[slot], ((long)generation << 32) | 1);
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
