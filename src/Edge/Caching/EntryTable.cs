using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// The cache's entries by primary key: an open-addressing table (linear probing) whose slots
/// hold the entries themselves, a <see cref="StoredResponse"/> or a <see cref="StoredResponse"/>[]
/// of one key's variants, found by the <see cref="StoredResponse.Key"/> of the (first) response.
/// No key is stored beside an entry and no node is allocated for it: an entry costs its slot
/// (8 B) and a byte of hash, 9 B a slot, which at the table's load of three fifths (where a
/// full cache's churn keeps it) to three quarters is 12 to 15 B.
/// </summary>
/// <remarks>
/// Lookups take no lock and allocate nothing, and are safe while one writer at a time (the
/// caller serializes writes) adds, replaces, removes or rebuilds. A key is placed in the first
/// free slot from its home on, so every slot from its home to its own is used; a removed entry
/// leaves <see cref="Removed"/> (which a later add may reuse) rather than an empty slot, and a
/// removed slot is emptied only where it ends a run, past every present key. So a probe for
/// a present key never meets an empty slot before the key, whatever the writer does meanwhile.
/// <para>
/// A rebuild that the table's growth or its removed slots call for is incremental, so no write
/// waits for a pass over the whole table: the new array is published at once with the old one
/// as its <see cref="Slots.Draining"/>, and each later write copies the next
/// <see cref="DrainStep"/> slots of the old array into the new one. Until the old array is
/// drained, a lookup that misses in the new array looks in the old one, where every entry not yet
/// copied is kept up to date (a replacement is written there, a removal marks it there too).
/// Copied entries stay in the old array as well, so a reader that read the new array before a
/// copy still finds the entry in the old one. Rebuilds for a flood or a shrink are rare and
/// whole: they fill a new array and publish it with nothing to drain.
/// </para>
/// <para>
/// Keys hash with <see cref="KeyHash"/> until an add finds a run of more than
/// <see cref="FloodRun"/> used slots, which chance does not make at this load but keys chosen
/// to collide would; then the table is rebuilt hashing with Marvin
/// (<see cref="string.GetHashCode(ReadOnlySpan{char})"/>), as the framework's dictionaries
/// do when a bucket's chain grows too long.
/// </para>
/// </remarks>
internal sealed class EntryTable<TKeys>
    where TKeys : IEntryKeys
{
    /// <summary>Fewest slots a table has: a lookup reads its slots' tags a group at a time.</summary>
    public const int MinimumCapacity = Group;

    /// <summary>
    /// Longest run of used slots an add may probe before the table turns to Marvin. At three
    /// quarters full the longest run among a million random keys is about 300, and runs grow
    /// rarer by a factor of e for each 27 slots longer.
    /// </summary>
    public const int FloodRun = 1_000;

    // Tags a lookup compares at once (one Vector128), so a key placed a long way past its home
    // slot, or a miss in a long run, costs a few loads rather than a loop per slot.
    private const int Group = 16;

    // A miss probes until an empty slot, so used slots (live or removed) stop at three
    // quarters. A rebuild sizes the table for its live entries to fill three fifths, leaving
    // 15% of it to add (or churn) into before the next: a full cache, whose evictions leave
    // removed slots, is rebuilt at the same size each time about two fifths of its entries
    // have been replaced, and its entries stay at three fifths.
    private const int MaxLoadPercent = 75;
    private const int RebuiltLoadPercent = 60;

    // Old slots copied per write while a rebuild drains. The new array leaves 15% of its slots
    // to fill before the next rebuild, at least a quarter of the live entries' count in writes,
    // and the old array has at most 5/3 slots per live entry: 32 slots a write drains it in well
    // under a fifth of that.
    private const int DrainStep = 32;

    // A table whose live entries fill less than an eighth of it is rebuilt smaller after a
    // removal; the wide gap from the rebuilt three fifths keeps an add and a removal from
    // rebuilding in turn.
    private const int ShrinkLoadDivisor = 8;

    /// <summary>What a removed entry's slot holds: it keeps the probe runs through it unbroken.</summary>
    private static readonly object Removed = new();

    private readonly int _floodRun;

    private volatile Slots _slots = new(MinimumCapacity, randomized: false);

    // Live keys: those in the current slots and those not yet copied from the draining ones.
    private int _count;

    // Slots of the current array that hold an entry or Removed, which a rebuild is due on.
    private int _used;

    // How many slots of the draining array (the current one's Draining) were copied.
    private int _drained;

    public EntryTable()
        : this(FloodRun)
    {
    }

    /// <summary>A table that turns to Marvin after a shorter run, for tests of the turn.</summary>
    internal EntryTable(int floodRun) => _floodRun = floodRun;

    /// <summary>How many keys have an entry.</summary>
    public int Count => _count;

    /// <summary>Whether keys hash with Marvin, since a flood of colliding keys came.</summary>
    internal bool Randomized => _slots.Randomized;

    /// <summary>How many slots the table has now, for tests of its sizing.</summary>
    internal int Capacity => _slots.Values.Length;

    /// <summary>How many slots hold an entry or a removed one's mark, for tests of their reuse.</summary>
    internal int UsedSlots => _used;

    /// <summary>Whether an incremental rebuild is still copying from the old array, for tests of it.</summary>
    internal bool Draining => _slots.Draining is not null;

    /// <summary>The slot where <paramref name="key"/>'s run starts now, for tests that make runs collide.</summary>
    internal int HomeOf(string key)
    {
        var slots = _slots;
        return slots.Home(slots.Hash(key));
    }

    /// <summary>Every entry, from the slots as they are now; for writers, which must be serialized by the caller.</summary>
    public IEnumerable<object> Entries()
    {
        var slots = _slots;
        foreach (var entry in slots.Values)
        {
            if (TKeys.TryGetKey(entry, out _))
            {
                yield return entry!;
            }
        }

        // Past the copied slots, the entries the current array does not have yet.
        if (slots.Draining is { } draining)
        {
            for (var index = _drained; index < draining.Values.Length; index++)
            {
                var entry = draining.Values[index];
                if (TKeys.TryGetKey(entry, out _))
                {
                    yield return entry!;
                }
            }
        }
    }

    /// <summary>Finds the entry of <paramref name="key"/>; takes no lock and allocates nothing.</summary>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object value)
        => TryGetValue(key.AsSpan(), out value);

    /// <summary>Finds the entry of <paramref name="key"/>; takes no lock and allocates nothing.</summary>
    public bool TryGetValue(ReadOnlySpan<char> key, [MaybeNullWhen(false)] out object value)
    {
        var slots = _slots;

        // Read before the probe: once it is null, every entry it had is in the current array.
        var draining = slots.Draining;
        return Find(slots, key, out value) || (draining is not null && FindInDraining(draining, key, out value));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool FindInDraining(Slots draining, ReadOnlySpan<char> key, [MaybeNullWhen(false)] out object value)
        => Find(draining, key, out value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Find(Slots slots, ReadOnlySpan<char> key, [MaybeNullWhen(false)] out object value)
    {
        var values = slots.Values;
        var capacity = values.Length;
        var hash = slots.Hash(key);
        var tag = TagOf(hash);
        ref var tags = ref MemoryMarshal.GetArrayDataReference(slots.Tags);
        var index = slots.Home(hash);

        // Most keys sit in their home slot: one byte and a branch the processor runs ahead of,
        // where a group's match mask would hold back the entry's load. An empty home is a miss.
        var home = Volatile.Read(ref Unsafe.Add(ref tags, index));
        if (home == tag)
        {
            var candidate = values[index];
            if (TKeys.TryGetKey(candidate, out var candidateKey) && key.SequenceEqual(candidateKey))
            {
                value = candidate!;
                return true;
            }
        }
        else if (home == 0)
        {
            value = null;
            return false;
        }

        // The run from home on, a group at a time (home again among them, a rare second compare).
        var wanted = Vector128.Create(tag);

        // Bounded by the capacity too, though an array always keeps empty slots, so that no
        // interleaving of writes could keep a reader probing.
        for (var scanned = 0; scanned < capacity; scanned += Group)
        {
            // In bounds: index < capacity, and the tags run Group - 1 past it. Each byte is read
            // whole, and the slots before a present key stay used, which is all the probe needs.
            var group = Vector128.LoadUnsafe(ref tags, (nuint)index);
            var empty = Vector128.Equals(group, Vector128<byte>.Zero).ExtractMostSignificantBits();

            // Slots past the first empty one belong to other runs.
            var matches = Vector128.Equals(group, wanted).ExtractMostSignificantBits() & (empty - 1) & ~empty;
            while (matches != 0)
            {
                var slot = index + BitOperations.TrailingZeroCount(matches);
                if (slot >= capacity)
                {
                    slot -= capacity;
                }

                // The entry was written before its tag; a reader that sees the tag without it
                // (a weaker memory order may) reads a mismatch, as if it had come a moment sooner.
                var candidate = values[slot];
                if (TKeys.TryGetKey(candidate, out var candidateKey) && key.SequenceEqual(candidateKey))
                {
                    value = candidate!;
                    return true;
                }

                matches &= matches - 1;
            }

            if (empty != 0)
            {
                break;
            }

            // Stays below the capacity, which is at least a group.
            index += Group;
            if (index >= capacity)
            {
                index -= capacity;
            }
        }

        value = null;
        return false;
    }

    /// <summary>
    /// Adds <paramref name="entry"/> (a <see cref="StoredResponse"/> or a non-empty
    /// <see cref="StoredResponse"/>[]) under its key, or replaces the entry already there.
    /// Writers must be serialized by the caller.
    /// </summary>
    public void Set(object entry)
    {
        if (!TKeys.TryGetKey(entry, out var key))
        {
            throw new ArgumentException("The entry has no key.", nameof(entry));
        }

        DrainSome();
        var slots = _slots;
        var tags = slots.Tags;
        var values = slots.Values;
        var capacity = values.Length;
        var hash = slots.Hash(key);
        var tag = TagOf(hash);
        var index = slots.Home(hash);
        var reusable = -1;
        var run = 0;
        for (; tags[index] != 0; run++)
        {
            var present = values[index];
            if (present == Removed)
            {
                if (reusable < 0)
                {
                    reusable = index;
                }
            }
            else if (tags[index] == tag && TKeys.TryGetKey(present, out var presentKey) && key.SequenceEqual(presentKey))
            {
                Volatile.Write(ref values[index], entry);
                return;
            }

            if (++index == capacity)
            {
                index = 0;
            }
        }

        // A key not copied yet is replaced where it is; the copy takes the new entry along later.
        if (slots.Draining is { } draining && IndexOf(draining, key) is var old and >= 0)
        {
            Volatile.Write(ref draining.Values[old], entry);
            return;
        }

        var flooded = run > _floodRun && !slots.Randomized;
        if (flooded)
        {
            FinishDrain();
            var rebuilt = Rebuild(_count + 1, randomized: true);
            AddAbsent(rebuilt, entry, rebuilt.Hash(key));
            Publish(rebuilt, _count + 1);
        }
        else if (reusable < 0 && _used >= slots.Limit)
        {
            StartRebuild(entry, key);
        }
        else if (reusable >= 0)
        {
            Place(slots, reusable, tag, entry);
        }
        else
        {
            Place(slots, index, tag, entry);
            _used++;
        }

        _count++;
    }

    /// <summary>Removes the entry of <paramref name="key"/>, if any. Writers must be serialized by the caller.</summary>
    public bool Remove(ReadOnlySpan<char> key)
    {
        DrainSome();
        var slots = _slots;
        var removed = false;
        if (IndexOf(slots, key) is var index and >= 0)
        {
            // The tag stays: readers read Removed as a mismatch and probe on.
            Volatile.Write(ref slots.Values[index], Removed);
            ClearRunEnd(slots, index);
            removed = true;
        }

        // Marked in the draining array too, copied or not, so that no reader finds it there.
        if (slots.Draining is { } draining && IndexOf(draining, key) is var old and >= 0)
        {
            Volatile.Write(ref draining.Values[old], Removed);
            removed = true;
        }

        if (!removed)
        {
            return false;
        }

        _count--;
        if (_count < slots.Values.Length / ShrinkLoadDivisor && slots.Values.Length > MinimumCapacity)
        {
            FinishDrain();
            Publish(Rebuild(_count, slots.Randomized), _count);
        }

        return true;
    }

    /// <summary>The slot holding <paramref name="key"/>'s entry in <paramref name="slots"/>, or -1.</summary>
    private static int IndexOf(Slots slots, ReadOnlySpan<char> key)
    {
        var tags = slots.Tags;
        var values = slots.Values;
        var hash = slots.Hash(key);
        var tag = TagOf(hash);
        var index = slots.Home(hash);
        while (tags[index] != 0)
        {
            if (tags[index] == tag && TKeys.TryGetKey(values[index], out var presentKey) && key.SequenceEqual(presentKey))
            {
                return index;
            }

            if (++index == values.Length)
            {
                index = 0;
            }
        }

        return -1;
    }

    /// <summary>
    /// Publishes a new array sized for the live entries and <paramref name="entry"/> (whose key is
    /// in neither array), with the current one to drain into it over the next writes.
    /// </summary>
    private void StartRebuild(object entry, ReadOnlySpan<char> key)
    {
        // Only when the writes outran the drain, which its pace keeps from happening.
        FinishDrain();
        var current = _slots;
        var next = new Slots(CapacityFor(_count + 1), current.Randomized) { Draining = current };
        AddAbsent(next, entry, next.Hash(key));
        _drained = 0;
        _used = 1;
        _slots = next;
    }

    /// <summary>
    /// Copies the next slots of the draining array, if there is one: at least <see cref="DrainStep"/>,
    /// and enough to finish while the current array has half its room to a rebuild left.
    /// </summary>
    private void DrainSome()
    {
        var slots = _slots;
        if (slots.Draining is { } draining)
        {
            var left = draining.Values.Length - _drained;
            var writes = Math.Max(1, (slots.Limit - _used) / 2);
            Drain(slots, draining, Math.Max(DrainStep, (left + writes - 1) / writes));
        }
    }

    private void FinishDrain()
    {
        var slots = _slots;
        if (slots.Draining is { } draining)
        {
            Drain(slots, draining, draining.Values.Length - _drained);
        }
    }

    private void Drain(Slots slots, Slots draining, int step)
    {
        var end = Math.Min(draining.Values.Length, _drained + step);
        for (var index = _drained; index < end; index++)
        {
            // Left in the old array too: a reader that missed it in the new one before this copy finds it there.
            var entry = draining.Values[index];
            if (TKeys.TryGetKey(entry, out var key))
            {
                AddAbsent(slots, entry!, slots.Hash(key));
                _used++;
            }
        }

        _drained = end;
        if (end == draining.Values.Length)
        {
            slots.Draining = null;
            _drained = 0;
        }
    }

    /// <summary>
    /// Empties removed slots that end a run (the slot after them is empty): no key lies past
    /// them, so no probe for a present key needs them, and they stop counting towards a rebuild.
    /// </summary>
    private void ClearRunEnd(Slots slots, int index)
    {
        var capacity = slots.Values.Length;
        while (slots.Tags[index + 1 == capacity ? 0 : index + 1] == 0 && slots.Values[index] == Removed)
        {
            // Tag first: a reader that still sees the tag reads Removed, a mismatch, either way.
            SetTag(slots, index, 0);
            Volatile.Write(ref slots.Values[index], null);
            _used--;
            index = index == 0 ? capacity - 1 : index - 1;
        }
    }

    /// <summary>A byte of the hash that the slot's home did not pick, never 0 (which marks an empty slot).</summary>
    private static byte TagOf(int hash)
    {
        var tag = (byte)hash;
        return tag == 0 ? (byte)1 : tag;
    }

    private static void Place(Slots slots, int index, byte tag, object entry)
    {
        // Entry before tag: a reader that sees the tag sees the entry (or a later one).
        Volatile.Write(ref slots.Values[index], entry);
        SetTag(slots, index, tag);
    }

    private static void SetTag(Slots slots, int index, byte tag)
    {
        Volatile.Write(ref slots.Tags[index], tag);
        if (index < Group - 1)
        {
            Volatile.Write(ref slots.Tags[slots.Values.Length + index], tag);
        }
    }

    /// <summary>Puts an entry whose key is not in <paramref name="slots"/> in the first empty slot of its run.</summary>
    private static void AddAbsent(Slots slots, object entry, int hash)
    {
        var index = slots.Home(hash);
        while (slots.Tags[index] != 0)
        {
            if (++index == slots.Values.Length)
            {
                index = 0;
            }
        }

        Place(slots, index, TagOf(hash), entry);
    }

    private static int CapacityFor(int live)
    {
        var capacity = Math.Max(MinimumCapacity, (long)live * 100 / RebuiltLoadPercent);
        if (capacity > Array.MaxLength)
        {
            throw new InvalidOperationException("The entry table cannot grow further.");
        }

        return (int)capacity;
    }

    /// <summary>
    /// A new array, not yet published, holding the live entries sized for <paramref name="live"/>
    /// of them; the caller finished any drain first, so the current array holds them all.
    /// </summary>
    private Slots Rebuild(int live, bool randomized)
    {
        var rebuilt = new Slots(CapacityFor(live), randomized);
        var old = _slots;
        for (var index = 0; index < old.Values.Length; index++)
        {
            var entry = old.Values[index];
            if (TKeys.TryGetKey(entry, out var key))
            {
                AddAbsent(rebuilt, entry!, rebuilt.Hash(key));
            }
        }

        return rebuilt;
    }

    /// <summary>Makes <paramref name="rebuilt"/>, which holds <paramref name="live"/> entries and nothing removed, the table.</summary>
    private void Publish(Slots rebuilt, int live)
    {
        _used = live;
        _slots = rebuilt;
    }

    /// <summary>
    /// One slot array with its tags, so that a reader, which reads <see cref="_slots"/> once,
    /// always works on a pair that belong together.
    /// </summary>
    private sealed class Slots
    {
        public Slots(int capacity, bool randomized)
        {
            Values = new object?[capacity];
            Tags = new byte[capacity + Group - 1];
            Limit = (int)((long)capacity * MaxLoadPercent / 100);
            Randomized = randomized;
        }

        /// <summary>The entries, <see cref="Removed"/>, or null where the slot is empty.</summary>
        public object?[] Values { get; }

        /// <summary>
        /// Per slot, a byte of its key's hash (<see cref="TagOf"/>), or 0 while the slot is
        /// empty; the first <see cref="Group"/> - 1 repeat after the last, so that a group read
        /// from any slot need not wrap.
        /// </summary>
        public byte[] Tags { get; }

        /// <summary>How many slots may be used (live or removed) before the table is rebuilt.</summary>
        public int Limit { get; }

        /// <summary>
        /// The array these slots replaced, while its entries are still being copied in; lookups
        /// that miss here look there. Set to null (and never set again) once all are copied.
        /// </summary>
        public Slots? Draining
        {
            get => Volatile.Read(ref field);
            set => Volatile.Write(ref field, value);
        }

        /// <summary>Whether these slots place keys by Marvin rather than <see cref="KeyHash"/>.</summary>
        public bool Randomized { get; }

        /// <summary>The hash these slots place <paramref name="key"/> by.</summary>
        public int Hash(ReadOnlySpan<char> key) => Randomized ? string.GetHashCode(key) : KeyHash.Of(key);

        /// <summary>
        /// Where a key's run starts: the hash scaled onto the slots (multiply and shift rather than
        /// a modulo), which takes the hash's high bits and leaves its low byte to the tag.
        /// </summary>
        public int Home(int hash) => (int)(((ulong)(uint)hash * (ulong)(uint)Values.Length) >> 32);
    }
}
