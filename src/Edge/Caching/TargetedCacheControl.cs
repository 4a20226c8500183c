using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// Cache directives aimed at CDNs rather than browsers: <c>CDN-Cache-Control</c> (RFC 9213)
/// and <c>Surrogate-Control</c> (Edge Architecture Specification). When present they replace
/// <c>Cache-Control</c> and <c>Expires</c> for this edge; CDN-Cache-Control wins over Surrogate-Control.
/// </summary>
internal static class TargetedCacheControl
{
    public const string CdnCacheControl = "CDN-Cache-Control";
    public const string SurrogateControl = "Surrogate-Control";

    /// <summary>Reads the directives targeted at this edge; false when the response has none.</summary>
    public static bool TryRead(IHeaderDictionary headers, string edgeId, out CacheControlDirectives directives)
    {
        directives = CacheControlDirectives.Parse(headers[CdnCacheControl]);
        if (directives.Present)
        {
            return true;
        }

        var surrogate = headers[SurrogateControl];
        if (surrogate.Count > 0)
        {
            directives = CacheControlDirectives.Parse(FromSurrogateControl(surrogate, edgeId));
            return directives.Present;
        }

        directives = CacheControlDirectives.None;
        return false;
    }

    /// <summary>
    /// Rewrites Surrogate-Control in Cache-Control terms: directives targeted at another
    /// surrogate (<c>max-age=60;other</c>) are dropped, <c>max-age=N+M</c> keeps N fresh and M
    /// for errors, and <c>no-store-remote</c> applies, since an edge is a remote surrogate.
    /// </summary>
    internal static string FromSurrogateControl(StringValues lines, string edgeId)
    {
        var result = new StringBuilder();
        foreach (var line in lines)
        {
            foreach (var member in SplitOutsideQuotes(line ?? string.Empty))
            {
                var directive = member.Trim();
                var target = directive.LastIndexOf(';');
                if (target >= 0 && directive.LastIndexOf('"') < target)
                {
                    if (!directive[(target + 1)..].Trim().Equals(edgeId, StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }

                    directive = directive[..target].Trim();
                }

                if (directive.Equals("no-store-remote", StringComparison.OrdinalIgnoreCase))
                {
                    directive = "no-store";
                }
                else if (directive.StartsWith("max-age=", StringComparison.OrdinalIgnoreCase) && directive.IndexOf('+') is var plus and > 0)
                {
                    directive = $"max-age={directive["max-age=".Length..plus]}, stale-if-error={directive[(plus + 1)..]}";
                }

                if (directive.Length > 0)
                {
                    result.Append(result.Length == 0 ? string.Empty : ", ").Append(directive);
                }
            }
        }

        return result.ToString();
    }

    private static List<string> SplitOutsideQuotes(string line)
    {
        var members = new List<string>();
        var start = 0;
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '"')
            {
                quoted = !quoted;
            }
            else if (line[i] == ',' && !quoted)
            {
                members.Add(line[start..i]);
                start = i + 1;
            }
        }

        members.Add(line[start..]);
        return members;
    }
}
