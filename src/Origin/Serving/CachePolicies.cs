using EdgeCache.Origin.Content;
using EdgeCache.Origin.Hosting;

namespace EdgeCache.Origin.Serving;

/// <summary>Picks a path's caching headers: the longest matching configured prefix, the publisher's own Cache-Control, else the defaults.</summary>
internal sealed class CachePolicies
{
    public const string CdnCacheControlHeader = "CDN-Cache-Control";

    private readonly OriginOptions _options;
    private readonly CachePolicyRule[] _rules;

    public CachePolicies(OriginOptions options)
    {
        _options = options;
        _rules = [.. options.CachePolicies.OrderByDescending(rule => rule.Prefix.Length)];
    }

    public (string CdnCacheControl, string CacheControl) For(ContentItem item)
    {
        foreach (var rule in _rules)
        {
            if (item.Path.StartsWith(rule.Prefix, StringComparison.Ordinal))
            {
                return (rule.CdnCacheControl ?? _options.DefaultCdnCacheControl,
                    item.CacheControl ?? rule.CacheControl ?? _options.DefaultCacheControl);
            }
        }

        return (_options.DefaultCdnCacheControl, item.CacheControl ?? _options.DefaultCacheControl);
    }
}
