using System.Globalization;
using System.Text;

namespace EdgeCache.Edge.Caching;

/// <summary>Builds <c>Cache-Status</c> values (RFC 9211) for responses that did not come straight from the cache.</summary>
internal static class CacheStatusHeader
{
    public const string Name = "Cache-Status";

    /// <summary>Why the request went upstream, as RFC 9211's <c>fwd</c> parameter names it.</summary>
    internal static class Forward
    {
        public const string UriMiss = "uri-miss";
        public const string VaryMiss = "vary-miss";
        public const string Stale = "stale";
        public const string Request = "request";
        public const string Method = "method";
    }

    /// <summary>
    /// The value for a response that went upstream. <paramref name="detail"/> says why a stored
    /// response was not used; a reason for not storing the answer takes its place, since RFC 9211
    /// has one <c>detail</c>.
    /// </summary>
    public static string Forwarded(string cacheName, string forward, FillHead head, bool collapsed, string? detail = null)
    {
        var value = new StringBuilder(96);
        if (head.UpstreamCacheStatus is not null)
        {
            value.Append(head.UpstreamCacheStatus).Append(", ");
        }

        value.Append(cacheName).Append("; fwd=").Append(forward)
            .Append("; fwd-status=").Append(head.Status.ToString(CultureInfo.InvariantCulture));
        if (head.StoreIntended || head.Revalidated is not null)
        {
            value.Append("; stored");
        }
        else if (head.NotStoredReason is not null)
        {
            detail = head.NotStoredReason;
        }

        if (detail is not null)
        {
            value.Append("; detail=").Append(detail);
        }

        if (collapsed)
        {
            value.Append("; collapsed");
        }

        return value.ToString();
    }

    /// <summary>The value for a stale stored response served without going upstream first (<c>detail</c> says why it was allowed).</summary>
    public static string StaleHit(StoredResponse stored, DateTimeOffset now, string detail)
        => Prefixed(stored, string.Create(CultureInfo.InvariantCulture,
            $"{stored.CacheName}; hit; ttl={Ttl(stored, now)}; detail={detail}"));

    /// <summary>The value for a stale stored response served because the upstream failed (RFC 5861 stale-if-error).</summary>
    public static string StaleOnError(StoredResponse stored, DateTimeOffset now, string forward, int upstreamStatus)
        => Prefixed(stored, string.Create(CultureInfo.InvariantCulture,
            $"{stored.CacheName}; fwd={forward}; fwd-status={upstreamStatus}; ttl={Ttl(stored, now)}; detail=stale-if-error"));

    /// <summary>Whole seconds of freshness left at <paramref name="now"/> (negative once stale), as Cache-Status's <c>ttl</c>.</summary>
    public static long Ttl(StoredResponse stored, DateTimeOffset now)
        => (long)Math.Floor((stored.FreshnessLifetime - stored.CurrentAge(now)).TotalSeconds);

    private static string Prefixed(StoredResponse stored, string ours)
        => stored.UpstreamCacheStatus is null ? ours : stored.UpstreamCacheStatus + ", " + ours;

    /// <summary>The value for a response the cache did not take part in (for example a POST).</summary>
    public static string Passed(string cacheName, string forward, string? detail = null)
        => detail is null ? $"{cacheName}; fwd={forward}" : $"{cacheName}; fwd={forward}; detail={detail}";
}
