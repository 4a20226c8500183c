using Microsoft.AspNetCore.Http;

namespace EdgeCache.Edge.Caching;

/// <summary>Reads the parts of a primary key (<see cref="CacheKey"/>) that purges select by, and builds keys from URLs.</summary>
internal static class CacheKeyParts
{
    private const string SchemeSeparator = "://";

    /// <summary>
    /// The path of <paramref name="key"/>: path base and path, between the authority and the
    /// query. False for a key that is not an absolute URL, which then has no path to purge by.
    /// </summary>
    public static bool TryGetPath(string key, out ReadOnlySpan<char> path)
    {
        var scheme = key.IndexOf(SchemeSeparator, StringComparison.Ordinal);
        if (scheme < 0)
        {
            path = default;
            return false;
        }

        var afterAuthority = key.AsSpan(scheme + SchemeSeparator.Length);
        var start = afterAuthority.IndexOfAny('/', '?');
        if (start < 0)
        {
            path = [];
            return true;
        }

        var rest = afterAuthority[start..];
        var query = rest.IndexOf('?');
        path = query < 0 ? rest : rest[..query];
        return true;
    }

    /// <summary>
    /// The key a request for <paramref name="url"/> (absolute, http or https) would have: the
    /// host lower-cased, the path decoded as the server decodes it, the query as sent.
    /// </summary>
    public static bool TryFromUrl(string url, out string key)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Authority.Length == 0)
        {
            key = string.Empty;
            return false;
        }

        var path = PathString.FromUriComponent(uri).Value;
        key = string.Concat(uri.Scheme, SchemeSeparator, uri.Authority.ToLowerInvariant(), string.IsNullOrEmpty(path) ? "/" : path, uri.Query);
        return true;
    }
}
