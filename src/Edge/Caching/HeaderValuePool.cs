using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// A bounded pool of header names and values for responses about to be stored, so the
/// thousands of entries that carry the same <c>Content-Type</c>, <c>Cache-Control</c>,
/// <c>Content-Length</c> or <c>Date</c> (within one second) keep one string between them
/// instead of a copy each. Hits never touch it; they write the strings the entries hold.
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

    private readonly string?[] _slots;

    public HeaderValuePool(int slots = DefaultSlots)
    {
        if (slots < 2 || !int.IsPow2(slots))
        {
            throw new ArgumentOutOfRangeException(nameof(slots), slots, "The slot count must be a power of two, at least 2.");
        }

        _slots = new string?[slots];
    }

    /// <summary>How many strings the pool holds at most.</summary>
    public int Capacity => _slots.Length;

    /// <summary>How many strings the pool holds now.</summary>
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

        var first = (value.GetHashCode() & (_slots.Length - 1)) & ~1;
        var pooled = Volatile.Read(ref _slots[first]);
        if (pooled is not null && string.Equals(pooled, value, StringComparison.Ordinal))
        {
            return pooled;
        }

        var second = Volatile.Read(ref _slots[first + 1]);
        if (second is not null && string.Equals(second, value, StringComparison.Ordinal))
        {
            return second;
        }

        // Most recently added first, so two strings that alternate in one set both stay.
        Volatile.Write(ref _slots[first + 1], pooled);
        Volatile.Write(ref _slots[first], value);
        return value;
    }
}
