using System.Text;
using EdgeCache.Edge.Http;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Compression;

/// <summary>
/// The entity tag of a compressed variant: the upstream's opaque-tag with the coding's suffix
/// inside the quotes (<c>"x"</c> becomes <c>"x-br"</c>, <c>W/"x"</c> becomes <c>W/"x-br"</c>), since
/// a strong tag must differ between representations (RFC 9110 section 8.8.3), and the way back
/// to the upstream's tag for conditional requests the upstream answers.
/// </summary>
internal static class VariantETag
{
    /// <summary>The variant's tag for <paramref name="etag"/>; null when <paramref name="etag"/> is not an entity tag.</summary>
    public static string? Create(string etag, ContentCoding coding)
    {
        if (!EntityTag.TryParse(etag, out var tag))
        {
            return null;
        }

        var opaque = tag.OpaqueTag;
        return string.Concat(tag.IsWeak ? "W/" : string.Empty, opaque[..^1], ContentCodingNames.ETagSuffix(coding), "\"");
    }

    /// <summary>True when <paramref name="candidate"/> is <paramref name="original"/> with a variant's suffix, weakness aside.</summary>
    public static bool IsVariantOf(EntityTag candidate, EntityTag original)
        => IsVariantOf(candidate.OpaqueTag, original.OpaqueTag, ContentCoding.Brotli)
            || IsVariantOf(candidate.OpaqueTag, original.OpaqueTag, ContentCoding.Gzip);

    /// <summary>
    /// Rewrites the tags of <paramref name="coding"/>'s variants in an <c>If-None-Match</c> or
    /// <c>If-Match</c> field to the upstream's tags; the pairs rewritten are added to
    /// <paramref name="rewritten"/>. Null when nothing was rewritten (or the field is not a list of tags).
    /// </summary>
    public static string? ToUpstream(StringValues field, ContentCoding coding, List<(string Variant, string Upstream)> rewritten)
    {
        var suffix = ContentCodingNames.ETagSuffix(coding);
        var result = new StringBuilder();
        var changed = false;
        foreach (var line in field)
        {
            var rest = (line ?? string.Empty).AsSpan();
            while (true)
            {
                rest = rest.TrimStart(" \t,");
                if (rest.IsEmpty)
                {
                    break;
                }

                // A member runs to the quote that closes it; an opaque-tag may hold commas.
                var open = rest.IndexOf('"');
                var close = open < 0 ? -1 : rest[(open + 1)..].IndexOf('"');
                var length = close < 0 ? rest.Length : open + close + 2;
                var member = rest[..length];
                rest = rest[length..];
                if (result.Length > 0)
                {
                    result.Append(", ");
                }

                if (EntityTag.TryParse(member, out var tag) && WithoutSuffix(tag, suffix) is { } upstream)
                {
                    var variant = member.Trim(" \t").ToString();
                    rewritten.Add((variant, upstream));
                    result.Append(upstream);
                    changed = true;
                }
                else
                {
                    result.Append(member.Trim(" \t"));
                }
            }
        }

        return changed ? result.ToString() : null;
    }

    /// <summary>
    /// The upstream's tag for a stored response's <paramref name="etag"/>: without the variant's
    /// suffix when the response is in <paramref name="contentEncoding"/> <c>br</c> or <c>gzip</c>
    /// and the tag carries that coding's suffix; otherwise <paramref name="etag"/> itself.
    /// </summary>
    public static string? OfRepresentation(string? etag, string? contentEncoding)
    {
        ContentCoding? coding = contentEncoding switch
        {
            ContentCodingNames.Brotli => ContentCoding.Brotli,
            ContentCodingNames.Gzip => ContentCoding.Gzip,
            _ => null,
        };
        return etag is not null && coding is { } applied && EntityTag.TryParse(etag, out var tag)
            && WithoutSuffix(tag, ContentCodingNames.ETagSuffix(applied)) is { } upstream
            ? upstream
            : etag;
    }

    /// <summary>
    /// The variant tag a 304's <paramref name="etag"/> stands for: the upstream confirmed the tag
    /// it was asked about, which was rewritten from that variant's. Null when it is none of them.
    /// </summary>
    public static string? FromUpstream(string etag, List<(string Variant, string Upstream)> rewritten)
    {
        if (!EntityTag.TryParse(etag, out var received))
        {
            return null;
        }

        foreach (var (variant, upstream) in rewritten)
        {
            if (EntityTag.TryParse(upstream, out var asked) && received.Matches(asked, EntityTagComparison.Weak))
            {
                return variant;
            }
        }

        return null;
    }

    /// <summary><paramref name="tag"/> without <paramref name="suffix"/> at the end of its opaque-tag, or null when it has none to lose.</summary>
    private static string? WithoutSuffix(EntityTag tag, string suffix)
        => tag.OpaqueTag.Length > suffix.Length + 2 && tag.OpaqueTag[..^1].EndsWith(suffix, StringComparison.Ordinal)
            ? string.Concat(tag.IsWeak ? "W/" : string.Empty, tag.OpaqueTag[..^(suffix.Length + 1)], "\"")
            : null;

    private static bool IsVariantOf(ReadOnlySpan<char> candidate, ReadOnlySpan<char> original, ContentCoding coding)
    {
        var suffix = ContentCodingNames.ETagSuffix(coding);
        return candidate.Length == original.Length + suffix.Length
            && candidate[..(original.Length - 1)].SequenceEqual(original[..^1])
            && candidate[(original.Length - 1)..^1].SequenceEqual(suffix);
    }
}
