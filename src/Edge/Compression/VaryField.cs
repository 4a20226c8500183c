using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Compression;

/// <summary>Adds <c>Accept-Encoding</c> to a response's <c>Vary</c> (RFC 9110 section 12.5.5), keeping what the upstream named.</summary>
internal static class VaryField
{
    /// <summary><paramref name="vary"/> with <c>Accept-Encoding</c> among its members; unchanged when it has it already or is <c>*</c>.</summary>
    public static StringValues WithAcceptEncoding(StringValues vary)
    {
        foreach (var line in vary)
        {
            var rest = line.AsSpan();
            foreach (var range in rest.Split(','))
            {
                var member = rest[range].Trim(" \t");
                if (member is "*" || member.Equals(HeaderNames.AcceptEncoding, StringComparison.OrdinalIgnoreCase))
                {
                    return vary;
                }
            }
        }

        var existing = vary.ToString();
        return string.IsNullOrWhiteSpace(existing) ? HeaderNames.AcceptEncoding : existing + ", " + HeaderNames.AcceptEncoding;
    }
}
