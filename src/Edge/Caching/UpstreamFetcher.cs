using System.Globalization;
using EdgeCache.Edge.Hosting;
using EdgeCache.Edge.Proxy;
using EdgeCache.Edge.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Model;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// Starts upstream fetches that belong to the cache, not to a client: the client's request is
/// copied into a detached context and sent through the rest of YARP's proxy pipeline (load
/// balancing, health, transforms, forwarder), which writes the response into a <see cref="CacheFill"/>.
/// </summary>
internal sealed partial class UpstreamFetcher
{
    // The cache fetches whole representations; the client's own conditionals and ranges are
    // answered from the fill, never forwarded.
    private static readonly string[] DroppedRequestHeaders =
    [
        HeaderNames.IfNoneMatch, HeaderNames.IfModifiedSince, HeaderNames.IfMatch, HeaderNames.IfUnmodifiedSince,
        HeaderNames.IfRange, HeaderNames.Range, HeaderNames.ContentLength, HeaderNames.TransferEncoding,
    ];

    private readonly ResponseCache _cache;
    private readonly RequestCollapser _collapser;
    private readonly ResponseAdmission _admission;
    private readonly EdgeOptions _options;
    private readonly TimeProvider _time;
    private readonly IServiceProvider _services;
    private readonly ILogger<UpstreamFetcher> _logger;
    private readonly BodyArenaHost _arena;

    public UpstreamFetcher(
        ResponseCache cache,
        BodyArenaHost arena,
        RequestCollapser collapser,
        ResponseAdmission admission,
        IOptions<EdgeOptions> options,
        TimeProvider time,
        IServiceProvider services,
        ILogger<UpstreamFetcher> logger)
    {
        _cache = cache;
        _arena = arena;
        _collapser = collapser;
        _admission = admission;
        _options = options.Value;
        _time = time;
        _services = services;
        _logger = logger;
    }

    /// <summary>
    /// Prepares a fetch for <paramref name="client"/>'s request, with the client already
    /// joined as the first reader. With <paramref name="revalidate"/> the request is made
    /// conditional on that stored response's validators. Nothing is sent until <see cref="Fetch.Start"/>.
    /// </summary>
    public Fetch Prepare(HttpContext client, string key, RequestDelegate pipeline, bool mayStore, StoredResponse? revalidate = null)
        => new(this, client, key, pipeline, mayStore, revalidate is { HasValidator: true } ? revalidate : null);

    /// <summary>One upstream fetch and the fill it writes.</summary>
    internal sealed class Fetch
    {
        private readonly UpstreamFetcher _owner;
        private readonly DefaultHttpContext _context;
        private readonly FetchFeatures _features;
        private readonly RequestDelegate _pipeline;
        private readonly bool _mayStore;
        private readonly CacheControlDirectives _requestDirectives;
        private readonly bool _requestHasAuthorization;
        private readonly DateTimeOffset _requestTime;
        private readonly StoredResponse? _revalidating;
        private readonly long _purgeEpoch;
        private string? _errorDetail;
        private StoredResponse? _refreshed;

        public Fetch(UpstreamFetcher owner, HttpContext client, string key, RequestDelegate pipeline, bool mayStore, StoredResponse? revalidating)
        {
            _owner = owner;
            _pipeline = pipeline;
            _mayStore = mayStore;
            _revalidating = revalidating;
            Fill = new CacheFill(key, owner._options.PassThroughWindow.Bytes, owner._options.EffectiveMaxObjectBytes);
            Leader = Fill.TryJoin()!;
            _features = new FetchFeatures(Fill, OnResponseStarted);
            _requestDirectives = FreshnessPolicy.RequestDirectives(client.Request.Headers);
            _requestHasAuthorization = client.Request.Headers.ContainsKey(HeaderNames.Authorization);
            _requestTime = owner._time.GetUtcNow();
            // Read before the request goes out: a purge after this point may postdate the answer.
            _purgeEpoch = owner._cache.PurgeEpoch;
            _context = CreateDetachedContext(client);
        }

        public CacheFill Fill { get; }

        /// <summary>The client that caused the fetch, already reading from the fill.</summary>
        public CacheFill.Reader Leader { get; }

        public void Start() => _ = RunAsync();

        private DefaultHttpContext CreateDetachedContext(HttpContext client)
        {
            var request = client.Request;
            var headers = new HeaderDictionary();
            foreach (var header in request.Headers)
            {
                headers[header.Key] = header.Value;
            }

            foreach (var name in DroppedRequestHeaders)
            {
                headers.Remove(name);
            }

            if (_revalidating is not null)
            {
                if (_revalidating.ETag is { } etag)
                {
                    headers[HeaderNames.IfNoneMatch] = etag;
                }

                if (_revalidating.LastModified is { } lastModified)
                {
                    headers[HeaderNames.IfModifiedSince] = HeaderUtilities.FormatDate(lastModified);
                }
            }

            var features = new FeatureCollection();
            features.Set<IHttpRequestFeature>(new HttpRequestFeature
            {
                Protocol = request.Protocol,
                Scheme = request.Scheme,
                // HEAD misses fetch the GET: the stored response must have its body.
                Method = HttpMethods.Get,
                PathBase = request.PathBase.Value ?? string.Empty,
                Path = request.Path.Value ?? string.Empty,
                QueryString = request.QueryString.Value ?? string.Empty,
                RawTarget = client.Features.Get<IHttpRequestFeature>()?.RawTarget ?? string.Empty,
                Headers = headers,
                Body = Stream.Null,
            });
            features.Set<IHttpResponseFeature>(_features);
            features.Set<IHttpResponseBodyFeature>(_features);
            features.Set<IHttpRequestLifetimeFeature>(_features);
            features.Set<IHttpRequestBodyDetectionFeature>(_features);
            features.Set<IHttpConnectionFeature>(new HttpConnectionFeature
            {
                ConnectionId = client.Connection.Id,
                RemoteIpAddress = client.Connection.RemoteIpAddress,
                RemotePort = client.Connection.RemotePort,
                LocalIpAddress = client.Connection.LocalIpAddress,
                LocalPort = client.Connection.LocalPort,
            });
            features.Set<IServiceProvidersFeature>(new RequestServicesFeature(_owner._services));
            features.Set<IReverseProxyFeature>(new FetchProxyFeature(client.GetReverseProxyFeature()));

            var context = new DefaultHttpContext(features);
            context.SetEndpoint(client.GetEndpoint());
            return context;
        }

        private async Task RunAsync()
        {
            var startedBeforeError = false;
            try
            {
                try
                {
                    await _pipeline(_context);
                }
#pragma warning disable CA1031 // Whatever went wrong becomes a 502 for the clients and one log line.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    LogFetchException(_owner._logger, _context.Request.Path, exception.Message);
                    if (_features.HasStarted)
                    {
                        Fill.Fail();
                        return;
                    }

                    _features.Headers.Clear();
                    await WriteErrorAsync(StatusCodes.Status502BadGateway, Yarp.ReverseProxy.Forwarder.ForwarderError.Request);
                }

                var error = _context.GetForwarderErrorFeature();
                startedBeforeError = _features.HasStarted;
                if (error is not null && !startedBeforeError)
                {
                    LogUpstreamError(_owner._logger, error.Error, _context.Request.Path,
                        _context.GetReverseProxyFeature().ProxiedDestination?.Model.Config.Address ?? "(none)",
                        error.Exception?.Message ?? error.Error.ToString());
                    await WriteErrorAsync(_features.StatusCode, error.Error);
                }
                else if (!_features.HasStarted)
                {
                    await _features.StartAsync();
                }

                if (_features.Aborted || Fill.Failed || (error is not null && startedBeforeError))
                {
                    Fill.Fail();
                    return;
                }

                // Stored first: once Complete lets the readers finish, the next request must find the entry.
                TryStore();
                Fill.Complete();
            }
            finally
            {
                _owner._collapser.Forget(Fill);
                Fill.ReleaseFetch();
                _refreshed?.Body.Release();
            }
        }

        private async Task WriteErrorAsync(int statusSetByForwarder, Yarp.ReverseProxy.Forwarder.ForwarderError error)
        {
            var (status, body, detail) = UpstreamErrorResponse.For(error, statusSetByForwarder);
            _features.StatusCode = status;
            _features.Headers.Clear();
            _features.Headers.ContentType = "text/plain; charset=utf-8";
            _features.Headers.ContentLength = body.Length;
            _features.Headers.CacheControl = "no-store";
            _errorDetail = detail;
            await _features.StartAsync();
            Fill.Append(body);
        }

        private void OnResponseStarted(FetchFeatures response)
        {
            var now = _owner._time.GetUtcNow();
            var headers = response.Headers;
            if (_revalidating is not null && response.StatusCode == StatusCodes.Status304NotModified && _errorDetail is null)
            {
                OnNotModified(headers, now);
                return;
            }

            var head = _owner._admission.Admit(response.StatusCode, headers, _context.Request.Headers, _requestDirectives,
                _requestHasAuthorization, _mayStore, _requestTime, now);
            if (_errorDetail is not null)
            {
                head = head with { NotShareableReason = _errorDetail, NotStoredReason = _errorDetail };
            }

            Fill.SetHead(head);
        }

        /// <summary>
        /// The upstream confirmed the stored response: it is refreshed with the 304's headers and
        /// stored at once, and every reader serves it. A 304 that does not describe the stored
        /// response updates nothing; the readers then fetch again without conditions.
        /// </summary>
        private void OnNotModified(IHeaderDictionary headers, DateTimeOffset now)
        {
            var stored = _revalidating!;
            var refreshed = ResponseAdmission.DescribesStored(stored, headers)
                ? _owner._admission.Refresh(stored, headers, _requestDirectives, _requestHasAuthorization, _requestTime, now)
                : null;
            var empty = Array.Empty<KeyValuePair<string, StringValues>>();
            var head = new FillHead(StatusCodes.Status304NotModified, empty, empty, empty, VaryKey.Empty, null, now,
                TimeSpan.Zero, default, [], "revalidation", "revalidation");
            if (refreshed is null)
            {
                if (ResponseAdmission.DescribesStored(stored, headers))
                {
                    // The update made the response unstorable (for example no-store): the old copy must go too.
                    _owner._cache.Remove(stored);
                }

                Fill.SetHead(head with { RevalidationFailed = true });
                return;
            }

            // Held once more until the fetch ends, so readers find the body even if the cache drops it at once.
            refreshed.Body.TryHold();
            _refreshed = refreshed;
            if (!_owner._cache.Store(refreshed, _purgeEpoch))
            {
                LogTooLargeForBudget(_owner._logger, Fill.Key, refreshed.Size);
            }

            Fill.SetHead(head with { Revalidated = refreshed, NotShareableReason = null });
        }

        private void TryStore()
        {
            var head = Fill.Head.Result;
            if (head.Revalidated is not null || !head.StoreIntended || Fill.Length > _owner._options.EffectiveMaxObjectBytes)
            {
                return;
            }

            var arena = _owner._arena;
            if (Fill.CreateStoredBody(arena.Arena, arena.Minimum, arena.Slabs) is not { } body)
            {
                return;
            }

            var stored = _owner._admission.ToStored(Fill.Key, head, body, _owner._options.Id);
            if (!_owner._cache.Store(stored, _purgeEpoch))
            {
                LogTooLargeForBudget(_owner._logger, Fill.Key, stored.Size);
            }
        }
    }

    private sealed class RequestServicesFeature(IServiceProvider services) : IServiceProvidersFeature
    {
        public IServiceProvider RequestServices { get; set; } = services;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream {Error} for {Path} via {Destination}: {Reason}")]
    private static partial void LogUpstreamError(ILogger logger, Yarp.ReverseProxy.Forwarder.ForwarderError error, PathString path, string destination, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Upstream fetch for {Path} failed: {Reason}")]
    private static partial void LogFetchException(ILogger logger, PathString path, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Response for {Key} ({Size} bytes) exceeds the cache budget and was not stored")]
    private static partial void LogTooLargeForBudget(ILogger logger, string key, long size);
}
