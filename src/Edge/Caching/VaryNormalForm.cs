using System.Buffers;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// The normal form of a request header's value in a <see cref="VaryKey"/>: null when absent (an
/// absent header only matches an absent one, RFC 9111 section 4.1), lines joined, whitespace around
/// list members and parameters removed; for the content negotiation headers, whose values are
/// case-insensitive and whose member order carries no meaning, also lower-cased and sorted.
/// </summary>
/// <remarks>
/// Storing a variant makes the string (<see cref="Create"/>); a cache hit only compares with it
/// (<see cref="Matches"/>) and must not allocate, so both run the one span-based
/// <see cref="Format"/> and cannot disagree.
/// </remarks>
internal static class VaryNormalForm
{
    // Browsers' headers fit the stack many times over; anything longer (Kestrel accepts 32 KB of
    // headers) is formatted in pooled arrays, so a large header neither overflows the stack nor allocates.
    private const int StackChars = 256;
    private const int StackMembers = 32;

    // Below this many members insertion sort beats anything else; above it, heap sort keeps a hostile
    // header of thousands of one-letter members from costing quadratic time on every lookup.
    private const int InsertionSortLimit = 16;

    private static readonly SearchValues<char> SpaceOrTab = SearchValues.Create(" \t");

    /// <summary>The normal form of <paramref name="values"/> of the request header <paramref name="name"/> (lower-cased).</summary>
    public static string? Create(string name, StringValues values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var (chars, members) = Measure(values);
        char[]? rentedChars = null;
        Range[]? rentedMembers = null;
        var charBuffer = chars <= StackChars ? stackalloc char[StackChars] : (rentedChars = ArrayPool<char>.Shared.Rent(chars));
        var memberBuffer = members <= StackMembers ? stackalloc Range[StackMembers] : (rentedMembers = ArrayPool<Range>.Shared.Rent(members));
        try
        {
            return new string(Format(IsNegotiationHeader(name), values, charBuffer, memberBuffer));
        }
        finally
        {
            Return(rentedChars, rentedMembers);
        }
    }

    /// <summary>
    /// True when <paramref name="values"/> have the normal form <paramref name="normal"/>, that is
    /// when <c>Create(name, values) == normal</c>, without allocating.
    /// </summary>
    public static bool Matches(string name, StringValues values, string? normal)
    {
        if (values.Count == 0 || normal is null)
        {
            return values.Count == 0 && normal is null;
        }

        // A request sending the stored string itself needs no formatting: a normal form is its own
        // normal form (VaryNormalFormTests checks this over generated values).
        if (values.Count == 1 && string.Equals(values[0], normal, StringComparison.Ordinal))
        {
            return true;
        }

        var (chars, members) = Measure(values);
        char[]? rentedChars = null;
        Range[]? rentedMembers = null;
        var charBuffer = chars <= StackChars ? stackalloc char[StackChars] : (rentedChars = ArrayPool<char>.Shared.Rent(chars));
        var memberBuffer = members <= StackMembers ? stackalloc Range[StackMembers] : (rentedMembers = ArrayPool<Range>.Shared.Rent(members));
        try
        {
            return Format(IsNegotiationHeader(name), values, charBuffer, memberBuffer).SequenceEqual(normal);
        }
        finally
        {
            Return(rentedChars, rentedMembers);
        }
    }

    private static bool IsNegotiationHeader(string name)
        => name is "accept" or "accept-encoding" or "accept-language" or "accept-charset";

    /// <summary>
    /// Buffer sizes <see cref="Format"/> needs: room for the members (at most every char) and then
    /// for their joined form (members plus ", " between them), and a range for each possible member.
    /// </summary>
    private static (int Chars, int Members) Measure(StringValues values)
    {
        var length = 0;
        var members = 0;
        for (var i = 0; i < values.Count; i++)
        {
            var line = values[i].AsSpan();
            length += line.Length;
            members += line.Count(',') + 1;
        }

        return (2 * length + 2 * members, members);
    }

    /// <summary>
    /// Writes each list member of <paramref name="values"/>, trimmed and compacted (and lower-cased
    /// for the negotiation headers), into the front of <paramref name="chars"/>, sorts them when
    /// their order carries no meaning, and joins them with ", " behind; returns the joined form.
    /// </summary>
    private static ReadOnlySpan<char> Format(bool negotiation, StringValues values, Span<char> chars, Span<Range> members)
    {
        var written = 0;
        var count = 0;
        for (var i = 0; i < values.Count; i++)
        {
            var line = values[i].AsSpan();
            foreach (var range in line.Split(','))
            {
                var member = line[range].Trim();
                if (member.IsEmpty)
                {
                    continue;
                }

                var length = WriteMember(member, negotiation, chars[written..]);
                members[count++] = new Range(written, written + length);
                written += length;
            }
        }

        var order = members[..count];
        if (negotiation)
        {
            Sort(chars, order);
        }

        var joined = chars[written..];
        var position = 0;
        for (var i = 0; i < order.Length; i++)
        {
            if (i > 0)
            {
                joined[position++] = ',';
                joined[position++] = ' ';
            }

            var member = chars[order[i]];
            member.CopyTo(joined[position..]);
            position += member.Length;
        }

        return joined[..position];
    }

    /// <summary>
    /// Writes one trimmed, non-empty list member with the whitespace around its <c>;</c> and its
    /// parameters' first <c>=</c> removed (<c>gzip ; q=0.5</c> is <c>gzip;q=0.5</c>); returns the chars written.
    /// </summary>
    private static int WriteMember(ReadOnlySpan<char> member, bool lowerCase, Span<char> destination)
    {
        // Only space and tab, the whitespace HTTP allows, make a member worth taking apart; other
        // whitespace inside it is kept as the origin's variants were keyed with it.
        if (!member.ContainsAny(SpaceOrTab))
        {
            return Write(member, lowerCase, destination);
        }

        var written = 0;
        var first = true;
        foreach (var range in member.Split(';'))
        {
            if (!first)
            {
                destination[written++] = ';';
            }

            first = false;
            var part = member[range].Trim();
            var equals = part.IndexOf('=');
            if (equals > 0)
            {
                written += Write(part[..equals].TrimEnd(), lowerCase, destination[written..]);
                destination[written++] = '=';
                written += Write(part[(equals + 1)..].TrimStart(), lowerCase, destination[written..]);
            }
            else
            {
                written += Write(part, lowerCase, destination[written..]);
            }
        }

        return written;
    }

    /// <summary>
    /// Copies <paramref name="text"/>, lower-cased when asked. Invariant lower-casing maps each char
    /// (or surrogate pair) alone, so lower-casing the pieces of a member is lower-casing the member.
    /// </summary>
    private static int Write(ReadOnlySpan<char> text, bool lowerCase, Span<char> destination)
    {
        if (lowerCase)
        {
            // Header values are ASCII; its vectorised lower-casing is the invariant one on ASCII text.
            return Ascii.ToLower(text, destination, out var written) == OperationStatus.Done ? written : text.ToLowerInvariant(destination);
        }

        text.CopyTo(destination);
        return text.Length;
    }

    /// <summary>Sorts the members, ranges into <paramref name="chars"/>, in ordinal order, without a comparison delegate.</summary>
    private static void Sort(ReadOnlySpan<char> chars, Span<Range> members)
    {
        if (members.Length <= InsertionSortLimit)
        {
            for (var i = 1; i < members.Length; i++)
            {
                var member = members[i];
                var j = i - 1;
                while (j >= 0 && Compare(chars, members[j], member) > 0)
                {
                    members[j + 1] = members[j];
                    j--;
                }

                members[j + 1] = member;
            }

            return;
        }

        for (var i = members.Length / 2 - 1; i >= 0; i--)
        {
            SiftDown(chars, members, i, members.Length);
        }

        for (var end = members.Length - 1; end > 0; end--)
        {
            (members[0], members[end]) = (members[end], members[0]);
            SiftDown(chars, members, 0, end);
        }
    }

    private static void SiftDown(ReadOnlySpan<char> chars, Span<Range> heap, int root, int length)
    {
        while (2 * root + 1 < length)
        {
            var child = 2 * root + 1;
            if (child + 1 < length && Compare(chars, heap[child], heap[child + 1]) < 0)
            {
                child++;
            }

            if (Compare(chars, heap[root], heap[child]) >= 0)
            {
                return;
            }

            (heap[root], heap[child]) = (heap[child], heap[root]);
            root = child;
        }
    }

    /// <summary>Ordinal order of UTF-16 code units, as <see cref="StringComparer.Ordinal"/> sorts strings.</summary>
    private static int Compare(ReadOnlySpan<char> chars, Range left, Range right)
        => chars[left].SequenceCompareTo(chars[right]);

    private static void Return(char[]? chars, Range[]? members)
    {
        if (chars is not null)
        {
            ArrayPool<char>.Shared.Return(chars);
        }

        if (members is not null)
        {
            ArrayPool<Range>.Shared.Return(members);
        }
    }
}
