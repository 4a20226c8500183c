using EdgeCache.Edge.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// Decides whether a shared cache may store a response (RFC 9111 section 3) and for how long
/// it stays fresh (section 4.2).
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

    /// <summary>
    /// Why a response to a GET may not be stored, or null when it may. The reason is what
    /// <c>Cache-Status</c> reports as <c>detail</c>.
    /// </summary>
    public static string? WhyNotStorable(
        int status,
        IHeaderDictionary responseHeaders,
        in CacheControlDirectives response,
        in CacheControlDirectives request,
        bool requestHasAuthorization)
    {
        if (status is < 200 or 206 or 304)
        {
            return "status";
        }

        if (request.NoStore || response.NoStore)
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

        // Responses that set cookies are personal unless the upstream says otherwise; storing
        // them would hand one client's session to the next.
        if (responseHeaders.ContainsKey(HeaderNames.SetCookie))
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

        var explicitFreshness = response.MaxAge.HasValue || response.SharedMaxAge.HasValue
            || responseHeaders.ContainsKey(HeaderNames.Expires) || response.Public;
        if (!explicitFreshness && !IsHeuristicallyCacheable(status))
        {
            return "status";
        }

        return null;
    }

    /// <summary>
    /// Freshness lifetime of a response as a shared cache sees it: <c>s-maxage</c>, then
    /// <c>max-age</c>, then <c>Expires</c> minus <c>Date</c>, then a fraction of the time since
    /// <c>Last-Modified</c> for heuristically cacheable statuses.
    /// </summary>
    public TimeSpan FreshnessLifetime(int status, IHeaderDictionary headers, in CacheControlDirectives directives, DateTimeOffset responseTime)
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
        if (expires.Count > 0)
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
    /// The age a response already had when it arrived (RFC 9111 section 4.2.3): the larger
    /// of its apparent age and its <c>Age</c> header plus the time the request took.
    /// </summary>
    public static TimeSpan CorrectedInitialAge(IHeaderDictionary headers, DateTimeOffset requestTime, DateTimeOffset responseTime)
    {
        var apparentAge = ParseDate(headers.Date) is { } date && responseTime > date ? responseTime - date : TimeSpan.Zero;
        var ageValue = TimeSpan.Zero;
        var age = headers.Age;
        if (age.Count > 0 && !CacheControlDirectives.TryParseDeltaSeconds(age[0].AsSpan().Trim(), out ageValue))
        {
            ageValue = TimeSpan.Zero;
        }

        var correctedAgeValue = ageValue + (responseTime - requestTime);
        return apparentAge > correctedAgeValue ? apparentAge : correctedAgeValue;
    }

    private static DateTimeOffset? ParseDate(Microsoft.Extensions.Primitives.StringValues value)
        => value.Count > 0 && HeaderUtilities.TryParseDate(value[0], out var parsed) ? parsed : null;
}
