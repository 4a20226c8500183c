using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Http;

/// <summary>What a <c>Range</c> header asks of a representation.</summary>
internal enum RangeOutcome
{
    /// <summary>Answer as if there were no <c>Range</c>: absent, unknown unit, invalid or abusive.</summary>
    Ignore,

    /// <summary>Answer 206 with the resolved ranges.</summary>
    Satisfiable,

    /// <summary>Answer 416 with <c>Content-Range: bytes */length</c>.</summary>
    Unsatisfiable,
}

/// <summary>
/// Reads a <c>Range</c> request header for a representation of known length (RFC 9110 sections
/// 14.1 and 14.2). Only the <c>bytes</c> unit is understood. Anything invalid makes the whole
/// header ignorable rather than an error, because a server may always answer a range request
/// with the full 200.
/// </summary>
internal static class RangeRequest
{
    /// <summary>
    /// More range-specs than this read as a denial-of-service attempt (RFC 9110 section 17.15)
    /// and the header is ignored; empty list elements do not count.
    /// </summary>
    public const int MaxRanges = 64;

    /// <summary>
    /// Resolves <paramref name="rangeHeader"/> against <paramref name="completeLength"/>.
    /// Members that cannot be satisfied are dropped. When any two resolved ranges overlap, the set
    /// is sorted and overlapping or adjacent ranges merged; otherwise the client's order is kept.
    /// <paramref name="ranges"/> is empty unless the outcome is <see cref="RangeOutcome.Satisfiable"/>.
    /// </summary>
    public static RangeOutcome Evaluate(StringValues rangeHeader, long completeLength, out ByteRange[] ranges)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(completeLength);
        ranges = [];

        // Range is a singleton field; two lines cannot be combined into a meaningful list.
        if (rangeHeader.Count != 1 || rangeHeader[0] is not { Length: > 0 } line)
        {
            return RangeOutcome.Ignore;
        }

        var value = line.AsSpan().Trim(" \t");
        if (value.Length < 6 || !value[..5].Equals("bytes", StringComparison.OrdinalIgnoreCase) || value[5] != '=')
        {
            return RangeOutcome.Ignore;
        }

        Span<ByteRange> resolved = stackalloc ByteRange[MaxRanges];
        var count = 0;
        var members = 0;
        var set = value[6..];
        var position = 0;
        while (true)
        {
            // OWS is allowed around the commas of a list, and an empty element is no error
            // (RFC 9110 section 5.6.1.2); OWS straight after "=" is accepted the same way.
            position = SkipWhitespace(set, position);
            if (position == set.Length)
            {
                break;
            }

            if (set[position] == ',')
            {
                position++;
                continue;
            }

            var specStart = position;
            while (position < set.Length && set[position] is not (',' or ' ' or '\t'))
            {
                position++;
            }

            var spec = set[specStart..position];
            position = SkipWhitespace(set, position);
            if (position < set.Length)
            {
                if (set[position] != ',')
                {
                    return RangeOutcome.Ignore;
                }

                position++;
            }

            if (++members > MaxRanges)
            {
                return RangeOutcome.Ignore;
            }

            switch (Resolve(spec, completeLength, out var range))
            {
                case RangeOutcome.Ignore:
                    return RangeOutcome.Ignore;
                case RangeOutcome.Satisfiable:
                    resolved[count++] = range;
                    break;
            }
        }

        if (members == 0)
        {
            return RangeOutcome.Ignore;
        }

        if (count == 0)
        {
            return RangeOutcome.Unsatisfiable;
        }

        ranges = Coalesce(resolved[..count]);
        return RangeOutcome.Satisfiable;
    }

    /// <summary>
    /// Reads one range-spec: Ignore when it is not a valid bytes range-spec, otherwise whether
    /// it selects at least one byte of the representation.
    /// </summary>
    private static RangeOutcome Resolve(ReadOnlySpan<char> spec, long completeLength, out ByteRange range)
    {
        range = default;
        var dash = spec.IndexOf('-');
        if (dash < 0)
        {
            return RangeOutcome.Ignore;
        }

        if (dash == 0)
        {
            if (!TryParseDigits(spec[1..], out var suffixLength))
            {
                return RangeOutcome.Ignore;
            }

            if (suffixLength == 0 || completeLength == 0)
            {
                return RangeOutcome.Unsatisfiable;
            }

            // A suffix longer than the representation selects all of it.
            var length = Math.Min(suffixLength, completeLength);
            range = new ByteRange(completeLength - length, length);
            return RangeOutcome.Satisfiable;
        }

        var firstText = spec[..dash];
        var lastText = spec[(dash + 1)..];
        if (!TryParseDigits(firstText, out var first))
        {
            return RangeOutcome.Ignore;
        }

        var last = long.MaxValue;
        if (!lastText.IsEmpty)
        {
            if (!TryParseDigits(lastText, out last) || IsLess(lastText, last, firstText, first))
            {
                return RangeOutcome.Ignore;
            }
        }

        if (first >= completeLength)
        {
            return RangeOutcome.Unsatisfiable;
        }

        var end = Math.Min(last, completeLength - 1);
        range = new ByteRange(first, end - first + 1);
        return RangeOutcome.Satisfiable;
    }

    /// <summary>
    /// Reads 1*DIGIT. A value too large for a long saturates, which is harmless: any position
    /// that large is past the end of every representation.
    /// </summary>
    private static bool TryParseDigits(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            var digit = c - '0';
            value = value > (long.MaxValue - digit) / 10 ? long.MaxValue : (value * 10) + digit;
        }

        return true;
    }

    /// <summary>
    /// Whether <paramref name="a"/> is less than <paramref name="b"/>. Saturated values cannot be
    /// compared as numbers, so when both saturated the digit strings decide; that keeps
    /// <c>bytes=99999999999999999999-99999999999999999998</c> invalid, as the grammar says.
    /// </summary>
    private static bool IsLess(ReadOnlySpan<char> aText, long a, ReadOnlySpan<char> bText, long b)
    {
        if (a != long.MaxValue || b != long.MaxValue)
        {
            return a < b;
        }

        aText = aText.TrimStart('0');
        bText = bText.TrimStart('0');
        return aText.Length != bText.Length ? aText.Length < bText.Length : aText.SequenceCompareTo(bText) < 0;
    }

    /// <summary>
    /// Merges the set when any two ranges overlap: overlapping ranges are the pattern of a broken
    /// or hostile client (RFC 9110 section 14.2), and once merging, adjacent ranges merge too.
    /// A set without overlap keeps the client's order, which is what it asked for.
    /// </summary>
    private static ByteRange[] Coalesce(Span<ByteRange> ranges)
    {
        if (ranges.Length == 1)
        {
            return [ranges[0]];
        }

        Span<ByteRange> sorted = stackalloc ByteRange[ranges.Length];
        ranges.CopyTo(sorted);
        sorted.Sort(static (a, b) => a.Start.CompareTo(b.Start));

        var overlaps = false;
        for (var i = 1; i < sorted.Length && !overlaps; i++)
        {
            // With starts sorted, any overlap shows up between neighbours.
            overlaps = sorted[i].Start <= sorted[i - 1].End;
        }

        if (!overlaps)
        {
            return ranges.ToArray();
        }

        var merged = 0;
        for (var i = 1; i < sorted.Length; i++)
        {
            var current = sorted[merged];
            var next = sorted[i];
            var currentEnd = current.Start + current.Length;
            if (next.Start <= currentEnd)
            {
                var end = Math.Max(currentEnd, next.Start + next.Length);
                sorted[merged] = current with { Length = end - current.Start };
            }
            else
            {
                sorted[++merged] = next;
            }
        }

        return sorted[..(merged + 1)].ToArray();
    }

    private static int SkipWhitespace(ReadOnlySpan<char> text, int position)
    {
        while (position < text.Length && text[position] is ' ' or '\t')
        {
            position++;
        }

        return position;
    }
}
