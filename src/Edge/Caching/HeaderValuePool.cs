using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// A bounded pool of header names and values for responses about to be stored, so the
/// thousands of entries that carry the same <c>Content-Type</c>, <c>Cache-Control</c>,
/// <c>Content-Length</c> or <c>Date</c> (within one second) keep one string between them
/// instead of a copy each, and of whole header lists, so entries whose headers are equal but
/// for their validators keep one list between them. Hits never touch it; they write what the entries hold.
/// </summary>
/// <remarks>
/// The pool is a fixed table of two-way sets: a string's hash picks a set, a miss puts the
/// string first and moves the previous first to second. It never grows past its slots, needs
/// no eviction bookkeeping, and takes no lock: a race may lose an insert or share a string a
/// little less, never return a different value.
/// </remarks>
internal sealed class HeaderValuePool
{
    /// <summary>Strings longer than this are kept as they are: long values rarely repeat verbatim.</summary>
    public const int MaxLength = 128;

    /// <summary>Slots in the pool the edge uses; at most this many strings (about 0.5 MiB of short ones) are kept alive by it.</summary>
    public const int DefaultSlots = 4096;

    /// <summary>Header lists longer than this are kept as they are.</summary>
    public const int MaxListLength = 32;

    private readonly SetTable<string> _strings;
    private readonly SetTable<KeyValuePair<string, StringValues>[]> _lists;

    public HeaderValuePool(int slots = DefaultSlots)
    {
        if (slots < 2 || !int.IsPow2(slots))
        {
            throw new ArgumentOutOfRangeException(nameof(slots), slots, "The slot count must be a power of two, at least 2.");
        }

        _strings = new SetTable<string>(slots, StringComparer.Ordinal);
        _lists = new SetTable<KeyValuePair<string, StringValues>[]>(slots, HeaderListComparer.Instance);
    }

    /// <summary>How many strings the pool holds at most.</summary>
    public int Capacity => _strings.Capacity;

    /// <summary>How many strings the pool holds now.</summary>
    public int Count => _strings.Count;

    /// <summary>
    /// True for the values the pool would share: short ones of any header but <c>ETag</c>, whose
    /// values are unique by design and would only push shared ones out. The budget charges such
    /// values as shared.
    /// </summary>
    public static bool MayShare(string name, string? value)
        => value is { Length: > 0 and <= MaxLength } && !name.Equals(HeaderNames.ETag, StringComparison.OrdinalIgnoreCase);

    /// <summary>The header with its name and (single) value replaced by the pooled copies of equal strings.</summary>
    public KeyValuePair<string, StringValues> Share(KeyValuePair<string, StringValues> header)
    {
        var name = Share(header.Key);
        var values = header.Value;
        // Several lines of one field are rare; sharing their strings would cost a new array.
        if (values.Count == 1 && MayShare(name, values[0]))
        {
            values = Share(values[0]!);
        }

        return new(name, values);
    }

    /// <summary>The pooled string equal to <paramref name="value"/>, which becomes the pooled one when there is none.</summary>
    public string Share(string value)
    {
        if (value.Length is 0 or > MaxLength)
        {
            return value.Length == 0 ? string.Empty : value;
        }

        return _strings.Share(value);
    }

    /// <summary>
    /// The pooled header list equal to <paramref name="headers"/> (same names and values in the
    /// same order), which becomes the pooled one when there is none. Stored responses of one
    /// upstream mostly carry the same list once their own validators are taken out of it.
    /// </summary>
    public KeyValuePair<string, StringValues>[] Share(KeyValuePair<string, StringValues>[] headers)
        => headers.Length is 0 or > MaxListLength ? headers : _lists.Share(headers);

    /// <summary>A fixed table of two-way sets; see the class remarks.</summary>
    private sealed class SetTable<T>(int slots, IEqualityComparer<T> comparer)
        where T : class
    {
        private readonly T?[] _slots = new T?[slots];

        public int Capacity => _slots.Length;

        public int Count
        {
            get
            {
                var count = 0;
                foreach (var slot in _slots)
                {
                    count += slot is null ? 0 : 1;
                }

                return count;
            }
        }

        public T Share(T value)
        {
            var first = (comparer.GetHashCode(value) & (_slots.Length - 1)) & ~1;
            var pooled = Volatile.Read(ref _slots[first]);
            if (pooled is not null && comparer.Equals(pooled, value))
            {
                return pooled;
            }

            var second = Volatile.Read(ref _slots[first + 1]);
            if (second is not null && comparer.Equals(second, value))
            {
                return second;
            }

            // Most recently added first, so two values that alternate in one set both stay.
            Volatile.Write(ref _slots[first + 1], pooled);
            Volatile.Write(ref _slots[first], value);
            return value;
        }
    }

    /// <summary>Header lists equal by their names (ordinal, ignoring case) and values (ordinal), in order.</summary>
    private sealed class HeaderListComparer : IEqualityComparer<KeyValuePair<string, StringValues>[]>
    {
        public static readonly HeaderListComparer Instance = new();

        public bool Equals(KeyValuePair<string, StringValues>[]? x, KeyValuePair<string, StringValues>[]? y)
        {
            if (ReferenceEquals(x, y))
            {
                return true;
            }

            if (x is null || y is null || x.Length != y.Length)
            {
                return false;
            }

            for (var i = 0; i < x.Length; i++)
            {
                if (!string.Equals(x[i].Key, y[i].Key, StringComparison.OrdinalIgnoreCase) || !StringValues.Equals(x[i].Value, y[i].Value))
                {
                    return false;
                }
            }

            return true;
        }

        public int GetHashCode(KeyValuePair<string, StringValues>[] headers)
        {
            var hash = new HashCode();
            foreach (var header in headers)
            {
                hash.Add(header.Key, StringComparer.OrdinalIgnoreCase);
                foreach (var value in header.Value)
                {
                    hash.Add(value, StringComparer.Ordinal);
                }
            }

            return hash.ToHashCode();
        }
    }
}
