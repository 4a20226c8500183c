using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// The surrogate keys (tags) of an upstream response, which purge by tag selects:
/// <c>Surrogate-Key</c> (space-separated, as Fastly) and <c>Cache-Tag</c> (comma-separated, as Cloudflare).
/// </summary>
internal static class SurrogateKeys
{
    public const string SurrogateKeyHeader = "Surrogate-Key";

    public const string CacheTagHeader = "Cache-Tag";

    /// <summary>Most tags one response keeps; the rest are ignored, so one response cannot bloat the tag index.</summary>
    public const int MaxCount = 64;

    /// <summary>Longest tag kept. Longer ones are dropped, not cut, since a cut tag could equal another.</summary>
    public const int MaxLength = 1024;

    private static readonly char[] SurrogateKeySeparators = [' ', '\t'];
    private static readonly char[] CacheTagSeparators = [','];

    /// <summary>The tags of a response: trimmed, without empty or oversized ones, first occurrence kept, at most <see cref="MaxCount"/>.</summary>
    public static string[] FromHeaders(IHeaderDictionary responseHeaders)
    {
        List<string>? tags = null;
        Add(responseHeaders[SurrogateKeyHeader], SurrogateKeySeparators, ref tags);
        Add(responseHeaders[CacheTagHeader], CacheTagSeparators, ref tags);
        return tags is null ? [] : [.. tags];
    }

    private static void Add(StringValues lines, char[] separators, ref List<string>? tags)
    {
        foreach (var line in lines)
        {
            if (string.IsNullOrEmpty(line))
            {
                continue;
            }

            foreach (var part in line.Split(separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (tags?.Count >= MaxCount)
                {
                    return;
                }

                if (part.Length <= MaxLength && !(tags?.Contains(part) ?? false))
                {
                    (tags ??= []).Add(part);
                }
            }
        }
    }
}
