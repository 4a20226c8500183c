using EdgeCache.Edge.Hosting;
using EdgeCache.Edge.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// Turns an upstream response's status and headers into what the cache does with it: whether
/// it may be shared and stored, how it may be reused, and which headers go to whom (the
/// client that asked, everyone else, or no client at all).
/// </summary>
internal sealed class ResponseAdmission
{
    /// <summary>Headers the cache computes itself and never stores.</summary>
    private static readonly string[] Recomputed = [HeaderNames.Age, CacheStatusHeader.Name];

    private readonly FreshnessPolicy _freshness;
    private readonly EdgeOptions _options;
    private readonly HeaderValuePool _pool;

    public ResponseAdmission(FreshnessPolicy freshness, IOptions<EdgeOptions> options, HeaderValuePool pool)
    {
        _freshness = freshness;
        _options = options.Value;
        _pool = pool;
    }

    /// <summary>Classifies a fresh upstream response to a GET.</summary>
    public FillHead Admit(
        int status,
        IHeaderDictionary headers,
        IHeaderDictionary requestHeaders,
        in CacheControlDirectives request,
        bool requestHasAuthorization,
        bool mayStore,
        DateTimeOffset requestTime,
        DateTimeOffset responseTime)
    {
        var directives = _freshness.ResponseDirectives(headers, out var targeted);
        var notShareable = mayStore ? null : "no-store";
        notShareable ??= _freshness.WhyNotStorable(status, headers, directives, request, requestHasAuthorization, targeted);
        var policy = notShareable is null ? _freshness.Policy(status, headers, directives, responseTime, targeted) : default;
        var initialAge = FreshnessPolicy.CorrectedInitialAge(headers, requestTime, responseTime);
        var notStored = notShareable;
        if (notShareable is null && (policy.NoCache || policy.Lifetime <= initialAge))
        {
            // Stale on arrival: waiting clients may not share it, but it is worth keeping when it
            // can be revalidated cheaply or served stale while a refresh runs.
            notShareable = "stale";
            var reusable = HasValidator(headers) || policy.StaleWhileRevalidate > TimeSpan.Zero || policy.StaleIfError > TimeSpan.Zero;
            notStored = reusable ? null : "stale";
        }

        if (notStored is null && headers.ContentLength > _options.EffectiveMaxObjectBytes)
        {
            notStored = "too-large";
        }

        var unshared = notStored is null || notShareable is null ? _freshness.UnsharedFields(headers, directives) : [];
        var (client, shared, hidden) = Split(headers, unshared);
        var upstreamCacheStatus = headers[CacheStatusHeader.Name];
        return new FillHead(
            status,
            client,
            shared,
            hidden,
            notShareable is null || notStored is null ? VaryKey.Create(headers.Vary, requestHeaders) : VaryKey.Empty,
            upstreamCacheStatus.Count == 0 ? null : upstreamCacheStatus.ToString(),
            responseTime,
            initialAge,
            policy,
            SurrogateKeys.FromHeaders(headers),
            notShareable,
            notStored)
        {
            ContentLength = headers.ContentLength,
        };
    }

    /// <summary>
    /// Updates a stored response with the header fields of a 304 or of a HEAD response (RFC 9111
    /// sections 3.2, 4.3.4, 4.3.5): each field in <paramref name="update"/> replaces the stored one,
    /// except <c>Content-Length</c> and the ones the cache computes. Null when the updated response
    /// may no longer be stored, or when the stored body is already gone.
    /// </summary>
    public StoredResponse? Refresh(
        StoredResponse stored,
        IHeaderDictionary update,
        in CacheControlDirectives request,
        bool requestHasAuthorization,
        DateTimeOffset requestTime,
        DateTimeOffset responseTime)
    {
        var merged = new HeaderDictionary();
        foreach (var header in stored.Headers)
        {
            merged[header.Key] = header.Value;
        }

        foreach (var header in stored.HiddenHeaders)
        {
            merged[header.Key] = header.Value;
        }

        foreach (var header in update)
        {
            if (!header.Key.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
            {
                merged[header.Key] = header.Value;
            }
        }

        var directives = _freshness.ResponseDirectives(merged, out var targeted);
        if (_freshness.WhyNotStorable(stored.Status, merged, directives, request, requestHasAuthorization, targeted) is not null
            || !stored.Body.TryHold())
        {
            return null;
        }

        var policy = _freshness.Policy(stored.Status, merged, directives, responseTime, targeted);
        var (_, shared, hidden) = Split(merged, _freshness.UnsharedFields(merged, directives));
        var upstreamCacheStatus = update[CacheStatusHeader.Name];
        return new StoredResponse(
            stored.Key,
            stored.Status,
            shared,
            stored.Body,
            stored.Vary,
            responseTime,
            FreshnessPolicy.CorrectedInitialAge(update, requestTime, responseTime),
            policy,
            stored.CacheName,
            upstreamCacheStatus.Count == 0 ? stored.UpstreamCacheStatus : upstreamCacheStatus.ToString(),
            SurrogateKeys.FromHeaders(merged),
            hidden,
            _pool);
    }

    /// <summary>The stored response for a completed fill of <paramref name="key"/>, its header list shared with equal ones.</summary>
    public StoredResponse ToStored(string key, FillHead head, StoredBody body, string cacheName)
        => new(key, head.Status, head.SharedHeaders, body, head.Vary, head.ResponseTime, head.CorrectedInitialAge, head.Policy,
            cacheName, head.UpstreamCacheStatus, head.Tags, head.HiddenHeaders, _pool);

    /// <summary>
    /// True when a 304 (or a HEAD response) describes the stored response (RFC 9111 section 4.3.4):
    /// its strong <c>ETag</c> is the stored one, or its weak one matches weakly, or without an ETag
    /// its <c>Last-Modified</c> is the stored one; with no validator at all it applies to the one
    /// response the edge asked about.
    /// </summary>
    public static bool DescribesStored(StoredResponse stored, IHeaderDictionary update)
    {
        var etag = update.ETag;
        if (etag.Count > 0)
        {
            if (stored.ETag is null
                || !EntityTag.TryParse(etag.ToString(), out var received)
                || !EntityTag.TryParse(stored.ETag, out var kept))
            {
                return false;
            }

            return received.Matches(kept, received.IsWeak || kept.IsWeak ? EntityTagComparison.Weak : EntityTagComparison.Strong);
        }

        if (FreshnessPolicy.ParseDate(update.LastModified) is { } lastModified)
        {
            return stored.LastModified == lastModified;
        }

        return true;
    }

    private static bool HasValidator(IHeaderDictionary headers)
        => headers.ContainsKey(HeaderNames.ETag) || headers.ContainsKey(HeaderNames.LastModified);

    /// <summary>
    /// Splits headers into what the asking client gets, what everyone else (and the store) gets,
    /// and what only the store keeps; names and values come from the pool, so that stored
    /// responses share the strings they have in common.
    /// </summary>
    private (KeyValuePair<string, StringValues>[] Client, KeyValuePair<string, StringValues>[] Shared, KeyValuePair<string, StringValues>[] Hidden)
        Split(IHeaderDictionary headers, string[] unshared)
    {
        var client = new List<KeyValuePair<string, StringValues>>(headers.Count);
        var shared = unshared.Length == 0 ? client : new List<KeyValuePair<string, StringValues>>(headers.Count);
        List<KeyValuePair<string, StringValues>>? hidden = null;
        foreach (var received in headers)
        {
            if (Contains(Recomputed, received.Key))
            {
                continue;
            }

            var header = _pool.Share(received);
            if (IsHidden(header.Key))
            {
                (hidden ??= []).Add(header);
                continue;
            }

            client.Add(header);
            if (unshared.Length > 0 && !Contains(unshared, header.Key))
            {
                shared.Add(header);
            }
        }

        KeyValuePair<string, StringValues>[] clientArray = [.. client];
        return (clientArray, unshared.Length == 0 ? clientArray : [.. shared], hidden is null ? [] : [.. hidden]);
    }

    private bool IsHidden(string name)
        => (!_options.ForwardTargetedCacheControl
                && (name.Equals(TargetedCacheControl.CdnCacheControl, StringComparison.OrdinalIgnoreCase)
                    || name.Equals(TargetedCacheControl.SurrogateControl, StringComparison.OrdinalIgnoreCase)))
            || (!_options.ForwardSurrogateKeys
                && (name.Equals(SurrogateKeys.SurrogateKeyHeader, StringComparison.OrdinalIgnoreCase)
                    || name.Equals(SurrogateKeys.CacheTagHeader, StringComparison.OrdinalIgnoreCase)));

    private static bool Contains(string[] names, string name)
    {
        foreach (var candidate in names)
        {
            if (candidate.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}

