using System.Numerics;

namespace EdgeCache.Edge.Storage;

/// <summary>
/// Small bodies packed into slabs: 64 KiB extents of a <see cref="BodyArena"/>, each cut into
/// equal slots of one size class. A cached 1 KiB object then costs a 1 KiB slot outside the
/// GC heap instead of a 1,048-byte array the collector has to trace, promote and compact
/// around, which with a hundred thousand entries costs more than the array headers themselves.
/// </summary>
/// <remarks>
/// Size classes are 64-byte steps up to 1 KiB, then eight per power of two up to
/// <see cref="MaxBody"/>, so a slot wastes at most 1/8 of its body. A class keeps a stack of its
/// slabs that have free slots; a slab whose last slot is freed goes back to the arena unless it
/// is the only one of its class with room. Allocation and freeing take the class's lock; reading
/// a slot's bytes takes none (the body's holders keep the slot from being freed under a reader).
/// </remarks>
internal sealed class BodySlabs
{
    /// <summary>The bytes of one slab: the arena's smallest extent.</summary>
    public const int SlabBytes = 64 * 1024;

    /// <summary>The largest body kept in a slab.</summary>
    public const int MaxBody = 16 * 1024;

    private const int SmallStep = 64;
    private const int SmallLimit = 1024;
    private const int StepsPerDoubling = 8;
    private static readonly int ClassCount = SmallLimit / SmallStep + StepsPerDoubling * (BitOperations.Log2(MaxBody) - BitOperations.Log2(SmallLimit));

    private readonly BodyArena _arena;
    private readonly SlabClass[] _classes;
    private long _usedBytes;

    public BodySlabs(BodyArena arena)
    {
        _arena = arena;
        _classes = new SlabClass[ClassCount];
        for (var i = 0; i < _classes.Length; i++)
        {
            _classes[i] = new SlabClass(this, SlotSizeOf(i));
        }
    }

    /// <summary>Bytes of the slots that hold bodies now.</summary>
    public long UsedBytes => Interlocked.Read(ref _usedBytes);

    /// <summary>Bytes of the arena the slabs take, used slots or not.</summary>
    public long SlabsBytes
    {
        get
        {
            long slabs = 0;
            foreach (var sizeClass in _classes)
            {
                slabs += Volatile.Read(ref sizeClass.Slabs);
            }

            return slabs * SlabBytes;
        }
    }

    /// <summary>The slot size for a body of <paramref name="length"/> bytes (1 to <see cref="MaxBody"/>).</summary>
    public static int SlotSize(int length) => SlotSizeOf(ClassOf(length));

    /// <summary>
    /// A slot for <paramref name="length"/> bytes, held once, and the generation a hold names;
    /// null when the length is out of range or the arena has no room.
    /// </summary>
    public BodySlab? TryAllocate(int length, out int slot, out int generation)
    {
        slot = generation = -1;
        if (length is <= 0 or > MaxBody)
        {
            return null;
        }

        var sizeClass = _classes[ClassOf(length)];
        var slab = sizeClass.TryTake(length, out slot, out generation);
        if (slab is not null)
        {
            Interlocked.Add(ref _usedBytes, sizeClass.SlotSize);
        }

        return slab;
    }

    internal void Freed(int slotSize) => Interlocked.Add(ref _usedBytes, -slotSize);

    internal BodyExtent? TryAllocateSlab() => _arena.TryAllocate(SlabBytes);

    private static int ClassOf(int length)
    {
        if (length <= SmallLimit)
        {
            return ((length + SmallStep - 1) / SmallStep) - 1;
        }

        var shift = BitOperations.Log2((uint)(length - 1));
        var step = (1 << shift) / StepsPerDoubling;
        var steps = (length - (1 << shift) + step - 1) / step;
        return (SmallLimit / SmallStep) + ((shift - BitOperations.Log2(SmallLimit)) * StepsPerDoubling) + steps - 1;
    }

    private static int SlotSizeOf(int sizeClass)
    {
        var small = SmallLimit / SmallStep;
        if (sizeClass < small)
        {
            return (sizeClass + 1) * SmallStep;
        }

        var shift = BitOperations.Log2(SmallLimit) + ((sizeClass - small) / StepsPerDoubling);
        var steps = ((sizeClass - small) % StepsPerDoubling) + 1;
        return (1 << shift) + (steps * ((1 << shift) / StepsPerDoubling));
    }

    /// <summary>The slabs of one slot size.</summary>
    internal sealed class SlabClass(BodySlabs owner, int slotSize)
    {
        private readonly Lock _lock = new();
        private readonly Stack<BodySlab> _withRoom = new();

        // Written under the lock, read by SlabsBytes without it.
        public long Slabs;

        public int SlotSize { get; } = slotSize;

        public BodySlabs Owner { get; } = owner;

        public BodySlab? TryTake(int length, out int slot, out int generation)
        {
            lock (_lock)
            {
                while (_withRoom.TryPeek(out var slab))
                {
                    if (slab.TryTake(length, out slot, out generation))
                    {
                        if (slab.IsFull)
                        {
                            _withRoom.Pop();
                            slab.Listed = false;
                        }

                        return slab;
                    }

                    // A slab freed back to the arena while listed.
                    _withRoom.Pop();
                    slab.Listed = false;
                }

                var extent = Owner.TryAllocateSlab();
                if (extent is null)
                {
                    slot = generation = -1;
                    return null;
                }

                var fresh = new BodySlab(this, extent);
                Slabs++;
                fresh.TryTake(length, out slot, out generation);
                if (!fresh.IsFull)
                {
                    _withRoom.Push(fresh);
                    fresh.Listed = true;
                }

                return fresh;
            }
        }

        public void Free(BodySlab slab, int slot)
        {
            lock (_lock)
            {
                slab.Put(slot);
                if (slab.IsEmpty && _withRoom.Count > 1)
                {
                    // Others of the class have room: this slab's pages go back to the arena. It may
                    // still be on the stack; TryTake drops it when it comes to the top.
                    slab.Retire();
                    Slabs--;
                }
                else if (!slab.Listed)
                {
                    _withRoom.Push(slab);
                    slab.Listed = true;
                }
            }

            Owner.Freed(SlotSize);
        }
    }
}
