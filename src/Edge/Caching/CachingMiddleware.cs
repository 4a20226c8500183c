using EdgeCache.Edge.Hosting;
using EdgeCache.Edge.Proxy;
using EdgeCache.Edge.Replication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// The cache in YARP's proxy pipeline. Fresh hits are served from memory; stale entries are
/// served while one background request refreshes them when the response allows it, or else
/// revalidated; misses join or start one detached upstream fetch per key; everything else is
/// forwarded as it is.
/// </summary>
internal sealed partial class CachingMiddleware
{
    private readonly RequestDelegate _next;
    private readonly ResponseCache _cache;
    private readonly RequestCollapser _collapser;
    private readonly UpstreamFetcher _fetcher;
    private readonly ResponseAdmission _admission;
    private readonly TimeProvider _time;
    private readonly FeedSilence _feed;
    private readonly EdgeOptions _options;
    private readonly ILogger<CachingMiddleware> _logger;

    public CachingMiddleware(
        RequestDelegate next,
        ResponseCache cache,
        RequestCollapser collapser,
        UpstreamFetcher fetcher,
        ResponseAdmission admission,
        TimeProvider time,
        FeedSilence feed,
        IOptions<EdgeOptions> options,
        ILogger<CachingMiddleware> logger)
    {
        _next = next;
        _cache = cache;
        _collapser = collapser;
        _fetcher = fetcher;
        _admission = admission;
        _time = time;
        _feed = feed;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>What a stored response can do for a request.</summary>
    private enum Reuse
    {
        /// <summary>Fresh and acceptable: serve it.</summary>
        Fresh,

        /// <summary>Stale, but the client accepts that much staleness (<c>max-stale</c>).</summary>
        StaleAccepted,

        /// <summary>Stale within stale-while-revalidate, the grace period, or soft-purged: serve it and refresh in the background.</summary>
        StaleWhileRevalidate,

        /// <summary>Only usable after the upstream confirms it.</summary>
        Revalidate,
    }

    /// <summary>Cache-Status <c>detail</c> of a hit revalidated because the origin's feed is silent (bounded staleness).</summary>
    public const string FeedSilentDetail = "feed-silent";

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var isHead = HttpMethods.IsHead(request.Method);
        if (!isHead && !HttpMethods.IsGet(request.Method))
        {
            return ForwardUnsafeAsync(context);
        }

        var directives = FreshnessPolicy.RequestDirectives(request.Headers);
        var now = _time.GetUtcNow();
        var stored = _cache.Find(request, out var keyKnown);
        string? detail = null;
        if (stored is not null)
        {
            var reuse = ReuseOf(stored, directives, now);
            if (reuse != Reuse.Revalidate && _feed.IsSilent(now))
            {
                // Bounded staleness: invalidations may be missing while the feed is silent, so the upstream decides.
                reuse = Reuse.Revalidate;
                detail = FeedSilentDetail;
            }

            if (reuse != Reuse.Revalidate && stored.Body.TryHold())
            {
                if (reuse == Reuse.Fresh)
                {
                    _cache.CountHit();
                    return StoredResponseWriter.WriteFreshAsync(context, stored, now, isHead);
                }

                _cache.CountHit();
                if (reuse == Reuse.StaleWhileRevalidate)
                {
                    RevalidateInBackground(context, stored);
                }

                var why = reuse == Reuse.StaleAccepted ? "max-stale" : stored.SoftPurged ? "soft-purged" : "stale-while-revalidate";
                return StoredResponseWriter.WriteAsync(context, stored, AgeOf(stored, now), CacheStatusHeader.StaleHit(stored, now, why), isHead);
            }
        }

        if (directives.OnlyIfCached)
        {
            return GatewayTimeoutOnlyIfCachedAsync(context);
        }

        var key = CacheKey.Create(request);
        var forward = directives.NoCache || directives.MaxAge.HasValue || directives.MinFresh.HasValue ? CacheStatusHeader.Forward.Request
            : stored is not null ? CacheStatusHeader.Forward.Stale
            : keyKnown ? CacheStatusHeader.Forward.VaryMiss
            : CacheStatusHeader.Forward.UriMiss;
        if (isHead && stored is not null)
        {
            return HeadUpstreamAsync(context, stored, forward, detail, directives, now);
        }

        return MissAsync(context, key, forward, detail, directives, isHead, now, stored);
    }

    /// <summary>Decides how a stored response may serve a request (RFC 9111 sections 4.2, 4.2.4 and 5.2.1; RFC 5861).</summary>
    private static Reuse ReuseOf(StoredResponse stored, in CacheControlDirectives request, DateTimeOffset now)
    {
        if (!request.Present && stored.IsFresh(now))
        {
            return Reuse.Fresh;
        }

        var age = stored.CurrentAge(now);
        if (stored.Invalidated || request.NoCache || (request.MaxAge is { } maxAge && age > maxAge))
        {
            return Reuse.Revalidate;
        }

        if (stored.IsFresh(now))
        {
            return request.MinFresh is { } minFresh && stored.FreshnessLifetime - age < minFresh ? Reuse.Revalidate : Reuse.Fresh;
        }

        var policy = stored.Policy;
        var staleness = stored.Staleness(now);
        if (request.MaxStale is { } maxStale && !policy.ForbidsStale && !stored.SoftPurged && staleness <= maxStale)
        {
            return Reuse.StaleAccepted;
        }

        if (stored.SoftPurged && !policy.ForbidsStale)
        {
            return Reuse.StaleWhileRevalidate;
        }

        return policy.StaleWhileRevalidate > TimeSpan.Zero && staleness <= policy.StaleWhileRevalidate
            ? Reuse.StaleWhileRevalidate
            : Reuse.Revalidate;
    }

    /// <summary>True when a stale stored response may stand in for an upstream error (RFC 5861 section 4, or the operator's error grace).</summary>
    private static bool MayServeOnError(StoredResponse stored, in CacheControlDirectives request, DateTimeOffset now)
    {
        if (stored.Invalidated)
        {
            return false;
        }

        var window = stored.Policy.StaleIfError;
        if (request.StaleIfError is { } asked && !stored.Policy.ForbidsStale && asked > window)
        {
            window = asked;
        }

        return window > TimeSpan.Zero && stored.Staleness(now) <= window;
    }

    private static string AgeOf(StoredResponse stored, DateTimeOffset now) => StoredResponseWriter.Seconds(stored.CurrentAge(now));

    /// <summary>Starts one conditional refresh of <paramref name="stored"/> that no client waits for, unless one is in flight already.</summary>
    private void RevalidateInBackground(HttpContext context, StoredResponse stored)
    {
        if (_collapser.IsInFlight(stored.Key))
        {
            return;
        }

        var fetch = _fetcher.Prepare(context, stored.Key, _next, mayStore: true, revalidate: stored);
        if (_collapser.TryRegister(fetch.Fill))
        {
            fetch.Start();
        }
        else
        {
            fetch.Fill.ReleaseFetch();
        }

        fetch.Leader.Leave();
    }

    private async Task MissAsync(
        HttpContext context,
        string key,
        string forward,
        string? detail,
        CacheControlDirectives directives,
        bool isHead,
        DateTimeOffset now,
        StoredResponse? stale)
    {
        _cache.CountMiss();
        var mayStore = !directives.NoStore;

        // Requests that may not share (they asked for no-store) or that recently found this URL
        // unshareable fetch on their own; everyone else joins the fetch in flight or starts it.
        var collapsible = mayStore && !_collapser.IsUncollapsible(key, now);
        while (true)
        {
            var (reader, collapsed) = JoinOrStart(context, key, collapsible, mayStore, stale);
            var (head, upstreamFailed) = await WaitForHeadAsync(context, reader);
            if (head is not null && collapsed && !MayShare(head, context.Request.Headers))
            {
                // The response we waited for is not ours to have (personal, or another variant): fetch our own.
                reader.Leave();
                var own = _fetcher.Prepare(context, key, _next, mayStore, stale);
                own.Start();
                reader = own.Leader;
                collapsed = false;
                (head, upstreamFailed) = await WaitForHeadAsync(context, reader);
            }

            if (head is null)
            {
                reader.Leave();
                if (upstreamFailed && !await TryServeStaleOnErrorAsync(context, stale, directives, forward, StatusCodes.Status502BadGateway, isHead))
                {
                    context.Abort();
                }

                return;
            }

            if (head.RevalidationFailed)
            {
                // The upstream's 304 does not describe what is stored: ask again for the whole response.
                reader.Leave();
                stale = null;
                continue;
            }

            if (head.Revalidated is { } refreshed)
            {
                reader.Leave();
                if (!refreshed.Body.TryHold())
                {
                    stale = null;
                    continue;
                }

                var served = _time.GetUtcNow();
                await StoredResponseWriter.WriteAsync(context, refreshed, AgeOf(refreshed, served),
                    CacheStatusHeader.Forwarded(_options.Id, forward, head, collapsed, detail), isHead);
                return;
            }

            if (head.Status >= 500 && stale is not null)
            {
                if (await TryServeStaleOnErrorAsync(context, stale, directives, forward, head.Status, isHead))
                {
                    reader.Leave();
                    return;
                }

                if (stale.Policy.ForbidsStale && head.Status == StatusCodes.Status502BadGateway && head.NotStoredReason == "upstream-unreachable")
                {
                    // A must-revalidate response the edge cannot revalidate: RFC 9111 section 5.2.2.2 asks for 504.
                    reader.Leave();
                    await GatewayTimeoutMustRevalidateAsync(context, forward);
                    return;
                }
            }

            if (!collapsed && mayStore)
            {
                if (head.Shareable || head.StoreIntended)
                {
                    _collapser.ClearUncollapsible(key);
                }
                else if (head.NotShareableReason != "authorization" && head.Status < 500)
                {
                    // The next requests for this URL should not queue behind a fetch they cannot share.
                    _collapser.MarkUncollapsible(key, now + _options.UncollapsibleDuration);
                }
            }

            await FillResponseWriter.WriteAsync(context, reader, head, collapsed,
                CacheStatusHeader.Forwarded(_options.Id, forward, head, collapsed, detail), isHead);
            return;
        }
    }

    private (CacheFill.Reader Reader, bool Collapsed) JoinOrStart(HttpContext context, string key, bool collapsible, bool mayStore, StoredResponse? stale)
    {
        while (true)
        {
            if (collapsible && _collapser.TryJoin(key) is { } joined)
            {
                return (joined, true);
            }

            var fetch = _fetcher.Prepare(context, key, _next, mayStore, stale);
            if (!collapsible || _collapser.TryRegister(fetch.Fill))
            {
                fetch.Start();
                return (fetch.Leader, false);
            }

            // Another request registered a fetch for this key a moment ago: join that one.
            fetch.Leader.Leave();
            fetch.Fill.ReleaseFetch();
        }
    }

    /// <summary>True when a response fetched for another request may be given to this one.</summary>
    private static bool MayShare(FillHead head, IHeaderDictionary requestHeaders)
    {
        if (head.Revalidated is { } refreshed)
        {
            return refreshed.Vary.Matches(requestHeaders);
        }

        return head.RevalidationFailed || (head.Shareable && head.Vary.Matches(requestHeaders));
    }

    /// <summary>Waits for the upstream's status and headers; null when the client left or the fetch broke (then <c>UpstreamFailed</c> says which).</summary>
    private static async Task<(FillHead? Head, bool UpstreamFailed)> WaitForHeadAsync(HttpContext context, CacheFill.Reader reader)
    {
        try
        {
            return (await reader.Fill.Head.WaitAsync(context.RequestAborted), false);
        }
        catch (OperationCanceledException)
        {
            return (null, false);
        }
        catch (UpstreamFailedException)
        {
            return (null, true);
        }
    }

    private async Task<bool> TryServeStaleOnErrorAsync(
        HttpContext context,
        StoredResponse? stale,
        CacheControlDirectives directives,
        string forward,
        int upstreamStatus,
        bool isHead)
    {
        var now = _time.GetUtcNow();
        if (stale is null || context.Response.HasStarted || !MayServeOnError(stale, directives, now) || !stale.Body.TryHold())
        {
            return false;
        }

        LogServedStale(_logger, stale.Key, upstreamStatus);
        await StoredResponseWriter.WriteAsync(context, stale, AgeOf(stale, now),
            CacheStatusHeader.StaleOnError(stale, now, forward, upstreamStatus), isHead);
        return true;
    }

    /// <summary>
    /// A HEAD that cannot be answered from the stored GET goes upstream as a HEAD, without a
    /// body to transfer; its answer refreshes the stored GET or, if it no longer describes it,
    /// removes it (RFC 9111 section 4.3.5).
    /// </summary>
    private async Task HeadUpstreamAsync(
        HttpContext context, StoredResponse stored, string forward, string? detail, CacheControlDirectives directives, DateTimeOffset requestTime)
    {
        _cache.CountMiss();
        var epoch = _cache.PurgeEpoch;
        await PassAsync(context, CacheStatusHeader.Passed(_options.Id, forward, detail));
        var response = context.Response;
        if (response.StatusCode != StatusCodes.Status200OK || context.GetForwarderErrorFeature() is not null)
        {
            return;
        }

        var received = new HeaderDictionary();
        foreach (var header in response.Headers)
        {
            if (!header.Key.Equals(CacheStatusHeader.Name, StringComparison.OrdinalIgnoreCase))
            {
                received[header.Key] = header.Value;
            }
        }

        var sameLength = received.ContentLength is not { } length || length == stored.Body.Length;
        var refreshed = sameLength && ResponseAdmission.DescribesStored(stored, received)
            ? _admission.Refresh(stored, received, directives, context.Request.Headers.ContainsKey(HeaderNames.Authorization), requestTime, _time.GetUtcNow())
            : null;
        if (refreshed is null)
        {
            _cache.Remove(stored);
        }
        else
        {
            _cache.Store(refreshed, epoch);
        }
    }

    private async Task ForwardUnsafeAsync(HttpContext context)
    {
        await PassAsync(context, CacheStatusHeader.Passed(_options.Id, CacheStatusHeader.Forward.Method));

        // A successful unsafe request invalidates what is stored for its URL and for the same-origin
        // URLs in Location and Content-Location (RFC 9111 section 4.4).
        var request = context.Request;
        var status = context.Response.StatusCode;
        if (status is >= 200 and < 400 && !HttpMethods.IsOptions(request.Method) && !HttpMethods.IsTrace(request.Method)
            && context.GetForwarderErrorFeature() is null)
        {
            Invalidate(CacheKey.Create(request));
            var headers = context.Response.Headers;
            foreach (var target in (string?[])[headers.Location.ToString(), headers.ContentLocation.ToString()])
            {
                if (CacheKey.ForSameOrigin(request, target) is { } key)
                {
                    Invalidate(key);
                }
            }
        }
    }

    private void Invalidate(string key)
    {
        _cache.Invalidate(key);
        _collapser.ClearUncollapsible(key);
    }

    /// <summary>Forwards the request as it is, streaming, with no part in the cache.</summary>
    private async Task PassAsync(HttpContext context, string cacheStatus)
    {
        context.Response.Headers[CacheStatusHeader.Name] = cacheStatus;
        await _next(context);

        var error = context.GetForwarderErrorFeature();
        if (error is not null && !context.Response.HasStarted)
        {
            var (status, body, _) = UpstreamErrorResponse.For(error.Error, context.Response.StatusCode);
            LogPassError(_logger, error.Error, context.Request.Method, context.Request.Path,
                error.Exception?.Message ?? error.Error.ToString());
            context.Response.StatusCode = status;
            context.Response.ContentType = "text/plain; charset=utf-8";
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    private Task GatewayTimeoutOnlyIfCachedAsync(HttpContext context)
    {
        _cache.CountMiss();
        context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
        context.Response.Headers[CacheStatusHeader.Name] = CacheStatusHeader.Passed(_options.Id, CacheStatusHeader.Forward.UriMiss, "only-if-cached");
        context.Response.Headers.CacheControl = "no-store";
        return Task.CompletedTask;
    }

    private async Task GatewayTimeoutMustRevalidateAsync(HttpContext context, string forward)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status504GatewayTimeout;
        response.Headers[CacheStatusHeader.Name] = CacheStatusHeader.Passed(_options.Id, forward, "must-revalidate");
        response.Headers.CacheControl = "no-store";
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength = UpstreamErrorResponse.MustRevalidate.Length;
        await response.Body.WriteAsync(UpstreamErrorResponse.MustRevalidate, context.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream {Error} for {Method} {Path}: {Reason}")]
    private static partial void LogPassError(ILogger logger, Yarp.ReverseProxy.Forwarder.ForwarderError error, string method, PathString path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Served a stale {Key} because the upstream answered {Status}")]
    private static partial void LogServedStale(ILogger logger, string key, int status);
}
