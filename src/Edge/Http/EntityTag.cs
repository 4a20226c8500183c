using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Http;

/// <summary>How two entity tags are compared (RFC 9110 section 8.8.3.2).</summary>
internal enum EntityTagComparison
{
    /// <summary>Both tags strong and their opaque-tags identical: <c>If-Match</c> and <c>If-Range</c>.</summary>
    Strong,

    /// <summary>Opaque-tags identical, weakness ignored: <c>If-None-Match</c>.</summary>
    Weak,
}

/// <summary>What an <c>If-Match</c> or <c>If-None-Match</c> field says about one entity tag.</summary>
internal enum EntityTagListMatch
{
    /// <summary>The field is absent, or holds nothing but empty list elements.</summary>
    Absent,

    /// <summary>
    /// The field is neither <c>*</c> nor a list of entity tags. It matches nothing: RFC 9110
    /// sections 13.1.1 and 13.1.2 evaluate such a value under "otherwise", which makes
    /// <c>If-Match</c> false and <c>If-None-Match</c> true.
    /// </summary>
    Malformed,

    /// <summary>A well-formed list of which no member matches.</summary>
    NoMatch,

    /// <summary>The field is <c>*</c>, or one of its entity tags matches.</summary>
    Match,
}

/// <summary>
/// An entity tag (RFC 9110 section 8.8.3): an opaque-tag in double quotes, weak when it carries
/// the case-sensitive prefix <c>W/</c>. A view over the text it was parsed from, so parsing and
/// comparing allocate nothing.
/// </summary>
internal readonly ref struct EntityTag
{
    private EntityTag(ReadOnlySpan<char> opaqueTag, bool isWeak)
    {
        OpaqueTag = opaqueTag;
        IsWeak = isWeak;
    }

    /// <summary>The opaque-tag, double quotes included.</summary>
    public ReadOnlySpan<char> OpaqueTag { get; }

    public bool IsWeak { get; }

    /// <summary>
    /// Parses a value that is exactly one entity tag, give or take surrounding whitespace.
    /// Unquoted tags, a lowercase <c>w/</c>, and quotes or controls inside the tag do not parse.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> value, out EntityTag tag)
    {
        value = value.Trim(" \t");
        var length = Read(value, out tag);
        if (length != 0 && length == value.Length)
        {
            return true;
        }

        tag = default;
        return false;
    }

    /// <summary>Compares the opaque-tags character by character; <see cref="EntityTagComparison.Strong"/> also wants both strong.</summary>
    public bool Matches(EntityTag other, EntityTagComparison comparison)
        => (comparison == EntityTagComparison.Weak || (!IsWeak && !other.IsWeak))
            && OpaqueTag.SequenceEqual(other.OpaqueTag);

    /// <summary>
    /// Matches an <c>If-Match</c> or <c>If-None-Match</c> field (<c>"*" / #entity-tag</c>, over
    /// any number of field lines) against <paramref name="current"/>, the selected
    /// representation's <c>ETag</c>. <c>*</c> matches whatever <paramref name="current"/> is,
    /// since a stored response is a current representation; a list matches nothing when
    /// <paramref name="current"/> is missing or not a valid entity tag.
    /// </summary>
    /// <remarks>
    /// Empty list elements are skipped (RFC 9110 section 5.6.1.2), so a field holding only
    /// those is <see cref="EntityTagListMatch.Absent"/>: it states no condition, and an
    /// intermediary that passes on an empty field should not turn a GET into a 412. Any member
    /// that is not an entity tag, or <c>*</c> next to other members, makes the whole field
    /// <see cref="EntityTagListMatch.Malformed"/> even when another member would match: the
    /// RFC evaluates only "*" or a list of entity tags, and a field that is neither falls
    /// through to "otherwise".
    /// </remarks>
    public static EntityTagListMatch MatchList(StringValues fieldLines, ReadOnlySpan<char> current, EntityTagComparison comparison)
    {
        var hasCurrent = TryParse(current, out var currentTag);
        var members = 0;
        var star = false;
        var matched = false;
        foreach (var line in fieldLines)
        {
            var rest = line.AsSpan();
            while (true)
            {
                rest = rest.TrimStart(" \t,");
                if (rest.IsEmpty)
                {
                    break;
                }

                members++;
                if (rest[0] == '*')
                {
                    star = true;
                    rest = rest[1..];
                }
                else
                {
                    var length = Read(rest, out var tag);
                    if (length == 0)
                    {
                        return EntityTagListMatch.Malformed;
                    }

                    matched |= hasCurrent && tag.Matches(currentTag, comparison);
                    rest = rest[length..];
                }

                rest = rest.TrimStart(" \t");
                if (!rest.IsEmpty && rest[0] != ',')
                {
                    return EntityTagListMatch.Malformed;
                }
            }
        }

        if (members == 0)
        {
            return EntityTagListMatch.Absent;
        }

        if (star)
        {
            return members == 1 ? EntityTagListMatch.Match : EntityTagListMatch.Malformed;
        }

        return matched ? EntityTagListMatch.Match : EntityTagListMatch.NoMatch;
    }

    /// <summary>Reads an entity tag at the start of <paramref name="text"/>; returns its length, or 0 when there is none.</summary>
    private static int Read(ReadOnlySpan<char> text, out EntityTag tag)
    {
        tag = default;
        var isWeak = text.StartsWith("W/", StringComparison.Ordinal);
        var open = isWeak ? 2 : 0;
        if (open >= text.Length || text[open] != '"')
        {
            return 0;
        }

        var close = open + 1;
        while (close < text.Length && text[close] != '"')
        {
            if (!IsEntityTagChar(text[close]))
            {
                return 0;
            }

            close++;
        }

        if (close == text.Length)
        {
            return 0;
        }

        tag = new EntityTag(text[open..(close + 1)], isWeak);
        return close + 1;
    }

    // etagc = %x21 / %x23-7E / obs-text. Anything from 0x80 up passes as obs-text, whichever
    // way the server decoded the field's bytes.
    private static bool IsEntityTagChar(char c) => c == '!' || (c >= '#' && c != '\u007F');
}
