using System.Buffers;
using EdgeCache.Edge.Hosting;
using EdgeCache.Edge.Proxy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// The cache in YARP's proxy pipeline. Hits are served from memory; misses join or start
/// one detached upstream fetch per key; everything else is forwarded as it is.
/// </summary>
internal sealed partial class CachingMiddleware
{
    private readonly RequestDelegate _next;
    private readonly ResponseCache _cache;
    private readonly RequestCollapser _collapser;
    private readonly UpstreamFetcher _fetcher;
    private readonly TimeProvider _time;
    private readonly EdgeOptions _options;
    private readonly ILogger<CachingMiddleware> _logger;

    public CachingMiddleware(
        RequestDelegate next,
        ResponseCache cache,
        RequestCollapser collapser,
        UpstreamFetcher fetcher,
        TimeProvider time,
        IOptions<EdgeOptions> options,
        ILogger<CachingMiddleware> logger)
    {
        _next = next;
        _cache = cache;
        _collapser = collapser;
        _fetcher = fetcher;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var isHead = HttpMethods.IsHead(request.Method);
        if (!isHead && !HttpMethods.IsGet(request.Method))
        {
            return ForwardUnsafeAsync(context);
        }

        var directives = RequestDirectives(request.Headers);
        var now = _time.GetUtcNow();
        var stored = Lookup(request, out var keyKnown);
        if (stored is not null)
        {
            if (!directives.NoCache && stored.IsFresh(now) && stored.Body.TryHold())
            {
                return ServeHitAsync(context, stored, now, isHead);
            }
        }

        var key = CacheKey.Create(request);
        if (directives.OnlyIfCached)
        {
            return GatewayTimeoutOnlyIfCachedAsync(context);
        }

        var forward = directives.NoCache ? CacheStatusHeader.Forward.Request
            : stored is not null ? CacheStatusHeader.Forward.Stale
            : keyKnown ? CacheStatusHeader.Forward.VaryMiss
            : CacheStatusHeader.Forward.UriMiss;
        return MissAsync(context, key, forward, mayStore: !directives.NoStore, isHead, now);
    }

    private static CacheControlDirectives RequestDirectives(IHeaderDictionary headers)
    {
        var cacheControl = headers.CacheControl;
        if (cacheControl.Count > 0)
        {
            return CacheControlDirectives.Parse(cacheControl);
        }

        // Pragma: no-cache counts only when Cache-Control is absent (RFC 9111 section 5.4).
        var pragma = headers.Pragma;
        return pragma.Count > 0 && pragma.ToString().Contains("no-cache", StringComparison.OrdinalIgnoreCase)
            ? CacheControlDirectives.None with { Present = true, NoCache = true }
            : CacheControlDirectives.None;
    }

    private StoredResponse? Lookup(HttpRequest request, out bool keyKnown)
    {
        var length = CacheKey.Length(request);
        char[]? rented = null;
        var buffer = length <= CacheKey.StackLimit
            ? stackalloc char[CacheKey.StackLimit]
            : (rented = ArrayPool<char>.Shared.Rent(length));
        try
        {
            var written = CacheKey.Write(request, buffer);
            return _cache.Find(buffer[..written], request.Headers, out keyKnown);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private async Task ServeHitAsync(HttpContext context, StoredResponse stored, DateTimeOffset now, bool isHead)
    {
        try
        {
            _cache.CountHit();
            var response = context.Response;
            response.StatusCode = stored.Status;
            var headers = response.Headers;
            foreach (var header in stored.Headers)
            {
                headers[header.Key] = header.Value;
            }

            var stamp = stored.StampAt(now);
            headers.Age = stamp.Age;
            headers[CacheStatusHeader.Name] = stamp.CacheStatus;
            if (!isHead && stored.Body.Length > 0)
            {
                await stored.Body.WriteToAsync(response.BodyWriter, context.RequestAborted);
            }
        }
        finally
        {
            stored.Body.Release();
        }
    }

    private async Task MissAsync(HttpContext context, string key, string forward, bool mayStore, bool isHead, DateTimeOffset now)
    {
        _cache.CountMiss();

        // Requests that may not share (they asked for no-store) or that recently found this URL
        // unshareable fetch on their own; everyone else joins the fetch in flight or starts it.
        var collapsible = mayStore && !_collapser.IsUncollapsible(key, now);
        CacheFill.Reader? reader = null;
        var collapsed = false;
        while (reader is null)
        {
            if (collapsible)
            {
                reader = _collapser.TryJoin(key);
                if (reader is not null)
                {
                    collapsed = true;
                    break;
                }
            }

            var fetch = _fetcher.Prepare(context, key, _next, mayStore);
            if (!collapsible || _collapser.TryRegister(fetch.Fill))
            {
                reader = fetch.Leader;
                fetch.Start();
            }
            else
            {
                // Another request registered a fetch for this key a moment ago: join that one.
                fetch.Leader.Leave();
                fetch.Fill.ReleaseFetch();
            }
        }

        var head = await HeadOrLeaveAsync(context, reader);
        if (head is null)
        {
            return;
        }

        if (collapsed && (!head.Shareable || !head.Vary.Matches(context.Request.Headers)))
        {
            // The response we waited for is not ours to have (personal, or another variant): fetch our own.
            reader.Leave();
            var fetch = _fetcher.Prepare(context, key, _next, mayStore);
            fetch.Start();
            reader = fetch.Leader;
            collapsed = false;
            head = await HeadOrLeaveAsync(context, reader);
            if (head is null)
            {
                return;
            }
        }

        if (!collapsed && mayStore)
        {
            if (head.Shareable)
            {
                _collapser.ClearUncollapsible(key);
            }
            else if (head.NotShareableReason != "authorization" && head.Status < 500)
            {
                // The next requests for this URL should not queue behind a fetch they cannot share.
                _collapser.MarkUncollapsible(key, now + _options.UncollapsibleDuration);
            }
        }

        await ServeFillAsync(context, reader, head, CacheStatusHeader.Forwarded(_options.Id, forward, head, collapsed), isHead);
    }

    /// <summary>Waits for the upstream's status and headers; null (and the reader gone) when the client left or the fetch broke.</summary>
    private static async Task<FillHead?> HeadOrLeaveAsync(HttpContext context, CacheFill.Reader reader)
    {
        try
        {
            return await reader.Fill.Head.WaitAsync(context.RequestAborted);
        }
        catch (Exception exception) when (exception is OperationCanceledException or UpstreamFailedException)
        {
            reader.Leave();
            if (exception is UpstreamFailedException)
            {
                context.Abort();
            }

            return null;
        }
    }

    private static async Task ServeFillAsync(HttpContext context, CacheFill.Reader reader, FillHead head, string cacheStatus, bool isHead)
    {
        try
        {
            var response = context.Response;
            response.StatusCode = head.Status;
            var headers = response.Headers;
            foreach (var header in head.Headers)
            {
                headers[header.Key] = header.Value;
            }

            if (head.CorrectedInitialAge >= TimeSpan.FromSeconds(1))
            {
                headers.Age = ((long)head.CorrectedInitialAge.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            headers[CacheStatusHeader.Name] = cacheStatus;
            if (isHead)
            {
                return;
            }

            var cancellation = context.RequestAborted;
            while (true)
            {
                var data = await reader.ReadAsync(cancellation);
                if (data.IsEmpty)
                {
                    break;
                }

                await response.Body.WriteAsync(data, cancellation);
                reader.Advance(data.Length);
            }
        }
        catch (UpstreamFailedException)
        {
            // Part of the body went out already; only a broken connection tells the client it is incomplete.
            context.Abort();
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left; the fill goes on for the others (or stops, if no one else wants it).
        }
        finally
        {
            reader.Leave();
        }
    }

    private async Task ForwardUnsafeAsync(HttpContext context)
    {
        await PassAsync(context, CacheStatusHeader.Passed(_options.Id, CacheStatusHeader.Forward.Method));

        // A successful unsafe request invalidates what is stored for its URL (RFC 9111 section 4.4).
        var status = context.Response.StatusCode;
        if (status is >= 200 and < 400 && !HttpMethods.IsOptions(context.Request.Method) && !HttpMethods.IsTrace(context.Request.Method))
        {
            var key = CacheKey.Create(context.Request);
            _cache.Invalidate(key);
            _collapser.ClearUncollapsible(key);
        }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream {Error} for {Method} {Path}: {Reason}")]
    private static partial void LogPassError(ILogger logger, Yarp.ReverseProxy.Forwarder.ForwarderError error, string method, PathString path, string reason);
}
