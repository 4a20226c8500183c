namespace EdgeCache.Replication.Http;

/// <summary>
/// Checks of a request target as the client sent it (before any decoding), for what a server must
/// not resolve quietly or pass on to a back-end.
/// </summary>
public static class RequestTarget
{
    /// <summary>The path part of a raw target (before <c>?</c>).</summary>
    public static ReadOnlySpan<char> PathOf(string rawTarget)
    {
        var query = rawTarget.IndexOf('?', StringComparison.Ordinal);
        return query >= 0 ? rawTarget.AsSpan(0, query) : rawTarget.AsSpan();
    }

    /// <summary>Whether <paramref name="path"/> has a <c>.</c> or <c>..</c> segment, literal or percent-encoded.</summary>
    public static bool HasDotSegment(ReadOnlySpan<char> path)
    {
        foreach (var range in path.Split('/'))
        {
            if (IsDotSegment(path[range]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Why <paramref name="path"/> looks like a path attack, or null: dot segments; an encoded
    /// <c>/</c> or <c>\</c>, or a literal <c>\</c> (back-ends that decode or normalise them would see
    /// other segments than the edge); an encoded NUL or control character; a double-encoded
    /// <c>%</c> (<c>%25</c>), which a second decoding turns into any of these.
    /// </summary>
    public static string? FindAttack(ReadOnlySpan<char> path)
    {
        // Most paths have none of these: one vectorised scan and done.
        if (path.IndexOfAny('%', '\\', '.') < 0)
        {
            return null;
        }

        if (path.Contains('\\'))
        {
            return "a backslash in the path";
        }

        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] != '%')
            {
                continue;
            }

            if (i + 2 >= path.Length || !char.IsAsciiHexDigit(path[i + 1]) || !char.IsAsciiHexDigit(path[i + 2]))
            {
                return "a malformed percent-encoding";
            }

            var value = (HexValue(path[i + 1]) << 4) | HexValue(path[i + 2]);
            switch (value)
            {
                case '/' or '\\':
                    return "an encoded path separator";
                case '%':
                    return "a double-encoded character";
                case < 0x20 or 0x7f:
                    return "an encoded control character";
            }

            i += 2;
        }

        return HasDotSegment(path) ? "a dot segment" : null;
    }

    private static int HexValue(char digit) => digit <= '9' ? digit - '0' : (digit | 0x20) - 'a' + 10;

    /// <summary>One or two dots, each literal or <c>%2e</c>; checked without allocating, as it runs on every request of the edge.</summary>
    private static bool IsDotSegment(ReadOnlySpan<char> segment)
    {
        var dots = 0;
        while (!segment.IsEmpty)
        {
            if (segment[0] == '.')
            {
                segment = segment[1..];
            }
            else if (segment.Length >= 3 && segment[0] == '%' && segment[1] == '2' && (segment[2] | 0x20) == 'e')
            {
                segment = segment[3..];
            }
            else
            {
                return false;
            }

            if (++dots > 2)
            {
                return false;
            }
        }

        return dots > 0;
    }
}
