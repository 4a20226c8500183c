using EdgeCache.Edge.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// Decides whether a shared cache may store a response (RFC 9111 section 3), for how long it
/// stays fresh (section 4.2), and what it may be used for once stale (section 4.2.4, RFC 5861).
/// </summary>
internal sealed class FreshnessPolicy
{
    private readonly EdgeOptions _options;

    public FreshnessPolicy(IOptions<EdgeOptions> options)
    {
        _options = options.Value;
    }

    /// <summary>Statuses that may be given heuristic freshness (RFC 9110 section 15.1).</summary>
    public static bool IsHeuristicallyCacheable(int status) => status is 200 or 203 or 204 or 300 or 301 or 308 or 404 or 405 or 410 or 414 or 501;

    /// <summary>Final statuses whose caching rules this edge implements, for <c>must-understand</c> (RFC 9111 section 5.2.2.3).</summary>
    public static bool IsUnderstood(int status)
        => status is 200 or 203 or 204 or 300 or 301 or 302 or 303 or 307 or 308 or 404 or 405 or 410 or 414 or 501;

    /// <summary>
    /// The response directives this edge follows: <c>CDN-Cache-Control</c> or <c>Surrogate-Control</c>
    /// when present (<paramref name="targeted"/> is then true), else <c>Cache-Control</c>, else a
    /// <c>Pragma: no-cache</c>, which old servers send meaning the same.
    /// </summary>
    public CacheControlDirectives ResponseDirectives(IHeaderDictionary headers, out bool targeted)
    {
        if (TargetedCacheControl.TryRead(headers, _options.Id, out var directives))
        {
            targeted = true;
            return directives;
        }

        targeted = false;
        var cacheControl = headers.CacheControl;
        if (cacheControl.Count > 0)
        {
            return CacheControlDirectives.Parse(cacheControl);
        }

        return HasPragmaNoCache(headers) ? CacheControlDirectives.None with { Present = true, NoCache = true } : CacheControlDirectives.None;
    }

    /// <summary>The request directives, with <c>Pragma: no-cache</c> counting only when Cache-Control is absent (RFC 9111 section 5.4).</summary>
    public static CacheControlDirectives RequestDirectives(IHeaderDictionary headers)
    {
        var cacheControl = headers.CacheControl;
        if (cacheControl.Count > 0)
        {
            return CacheControlDirectives.Parse(cacheControl);
        }

        return HasPragmaNoCache(headers) ? CacheControlDirectives.None with { Present = true, NoCache = true } : CacheControlDirectives.None;
    }

    /// <summary>
    /// Why a response to a GET may not be stored, or null when it may. The reason is what
    /// <c>Cache-Status</c> reports as <c>detail</c>.
    /// </summary>
    public string? WhyNotStorable(
        int status,
        IHeaderDictionary responseHeaders,
        in CacheControlDirectives response,
        in CacheControlDirectives request,
        bool requestHasAuthorization,
        bool targeted = false)
    {
        if (status is < 200 or 206 or 304)
        {
            return "status";
        }

        if (response.MustUnderstand && !IsUnderstood(status))
        {
            return "must-understand";
        }

        // A cache that understands the status may ignore no-store next to must-understand (section 5.2.2.3).
        if (request.NoStore || (response.NoStore && !response.MustUnderstand))
        {
            return "no-store";
        }

        if (response.Private)
        {
            return "private";
        }

        if (requestHasAuthorization && !(response.Public || response.MustRevalidate || response.SharedMaxAge.HasValue))
        {
            return "authorization";
        }

        // Responses that set cookies are personal unless the operator says otherwise (then the
        // stored copy leaves the cookie out); storing them would hand one client's session to the next.
        if (!_options.StoreSetCookie && responseHeaders.ContainsKey(HeaderNames.SetCookie))
        {
            return "set-cookie";
        }

        foreach (var vary in responseHeaders.Vary)
        {
            if (vary is not null && vary.Contains('*', StringComparison.Ordinal))
            {
                return "vary-star";
            }
        }

        var explicitFreshness = response.MaxAge.HasValue || response.SharedMaxAge.HasValue || response.Public
            || (!targeted && responseHeaders.ContainsKey(HeaderNames.Expires));
        if (!explicitFreshness && !IsHeuristicallyCacheable(status))
        {
            return "status";
        }

        return null;
    }

    /// <summary>
    /// Header fields the response keeps from the stored, shared copy: the fields of a qualified
    /// <c>private</c> or <c>no-cache</c>, and <c>Set-Cookie</c> when the operator allows storing such responses.
    /// </summary>
    public string[] UnsharedFields(IHeaderDictionary headers, in CacheControlDirectives directives)
    {
        var fields = new List<string>();
        if (directives.PrivateFields is { } privateFields)
        {
            fields.AddRange(privateFields);
        }

        if (directives.NoCacheFields is { } noCacheFields)
        {
            fields.AddRange(noCacheFields);
        }

        if (_options.StoreSetCookie && headers.ContainsKey(HeaderNames.SetCookie))
        {
            fields.Add(HeaderNames.SetCookie);
        }

        return [.. fields];
    }

    /// <summary>
    /// Freshness lifetime of a response as a shared cache sees it: <c>s-maxage</c>, then
    /// <c>max-age</c>, then <c>Expires</c> minus <c>Date</c> (not when targeted directives
    /// govern), then a fraction of the time since <c>Last-Modified</c> for heuristically cacheable statuses.
    /// </summary>
    public TimeSpan FreshnessLifetime(int status, IHeaderDictionary headers, in CacheControlDirectives directives, DateTimeOffset responseTime, bool targeted = false)
    {
        if (directives.SharedMaxAge is { } sharedMaxAge)
        {
            return sharedMaxAge;
        }

        if (directives.MaxAge is { } maxAge)
        {
            return maxAge;
        }

        var date = ParseDate(headers.Date) ?? responseTime;
        var expires = headers.Expires;
        if (expires.Count > 0 && !targeted)
        {
            // An invalid Expires means "already expired" (RFC 9111 section 5.3).
            return ParseDate(expires) is { } expiresAt && expiresAt > date ? expiresAt - date : TimeSpan.Zero;
        }

        if (IsHeuristicallyCacheable(status) && ParseDate(headers.LastModified) is { } lastModified && lastModified < date)
        {
            var heuristic = (date - lastModified) * _options.HeuristicFraction;
            return heuristic < _options.MaxHeuristicFreshness ? heuristic : _options.MaxHeuristicFreshness;
        }

        return TimeSpan.Zero;
    }

    /// <summary>
    /// How the response may be reused. Explicit <c>must-revalidate</c>, <c>proxy-revalidate</c> or
    /// <c>no-cache</c> forbid every stale use. <c>s-maxage</c> implies proxy-revalidate, which blocks
    /// the operator's grace and clients' <c>max-stale</c>, but the origin's own stale-while-revalidate
    /// and stale-if-error in the same response still count: it asked for them explicitly.
    /// </summary>
    public ReusePolicy Policy(int status, IHeaderDictionary headers, in CacheControlDirectives directives, DateTimeOffset responseTime, bool targeted)
    {
        var lifetime = FreshnessLifetime(status, headers, directives, responseTime, targeted);
        var explicitRevalidate = directives.MustRevalidate || directives.ProxyRevalidate || directives.NoCache;
        var mustRevalidate = directives.MustRevalidate || directives.ProxyRevalidate || directives.SharedMaxAge.HasValue;
        var staleWhileRevalidate = explicitRevalidate ? TimeSpan.Zero
            : directives.StaleWhileRevalidate ?? (mustRevalidate ? TimeSpan.Zero : _options.Grace);
        var staleIfError = explicitRevalidate ? TimeSpan.Zero
            : directives.StaleIfError ?? (mustRevalidate ? TimeSpan.Zero : _options.ErrorGrace);
        return new ReusePolicy(lifetime, staleWhileRevalidate, staleIfError, mustRevalidate, directives.NoCache);
    }

    /// <summary>
    /// The age a response already had when it arrived (RFC 9111 section 4.2.3): the larger
    /// of its apparent age and its <c>Age</c> header plus the time the request took. A list
    /// <c>Age</c> counts by its first member; an invalid one is ignored (section 5.1).
    /// </summary>
    public static TimeSpan CorrectedInitialAge(IHeaderDictionary headers, DateTimeOffset requestTime, DateTimeOffset responseTime)
    {
        var apparentAge = ParseDate(headers.Date) is { } date && responseTime > date ? responseTime - date : TimeSpan.Zero;
        var ageValue = TimeSpan.Zero;
        var age = headers.Age;
        if (age.Count > 0)
        {
            var first = age[0].AsSpan();
            var comma = first.IndexOf(',');
            if (comma >= 0)
            {
                first = first[..comma];
            }

            if (!CacheControlDirectives.TryParseDeltaSeconds(first.Trim(), out ageValue))
            {
                ageValue = TimeSpan.Zero;
            }
        }

        var correctedAgeValue = ageValue + (responseTime - requestTime);
        return apparentAge > correctedAgeValue ? apparentAge : correctedAgeValue;
    }

    internal static DateTimeOffset? ParseDate(StringValues value)
        => value.Count > 0 && HeaderUtilities.TryParseDate(value[0], out var parsed) ? parsed : null;

    private static bool HasPragmaNoCache(IHeaderDictionary headers)
    {
        foreach (var pragma in headers.Pragma)
        {
            if (pragma is not null && pragma.Contains("no-cache", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
