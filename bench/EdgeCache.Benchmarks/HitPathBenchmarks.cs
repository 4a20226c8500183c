using BenchmarkDotNet.Attributes;
using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Compression;
using EdgeCache.Edge.Hosting;
using EdgeCache.Edge.Protection;
using EdgeCache.Edge.Replication;
using EdgeCache.Edge.Storage;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeCache.Benchmarks;

/// <summary>
/// A whole fresh hit through <c>CachingMiddleware.InvokeAsync</c>: key, lookup, freshness, and the
/// stored response written into Kestrel's header collection and a discarding body writer. The
/// allocated bytes are what one hit costs the GC.
/// </summary>
[MemoryDiagnoser]
public class HitPathBenchmarks
{
    private const string VariantPath = "/static/js/app.js";
    private const string CompressedPath = "/static/js/vendor.js";

    private CachingMiddleware _middleware = null!;
    private ReusedHttpContext _hit = null!;
    private ReusedHttpContext _variantHit = null!;
    private ReusedHttpContext _compressedHit = null!;
    private AcceptEncodingMiddleware _normaliser = null!;
    private ClientRateLimiter _guarded = null!;
    private ReusedHttpContext _guardedHit = null!;

    [GlobalSetup]
    public void Setup()
    {
        var options = Options.Create(new EdgeOptions());
        var time = new FixedTimeProvider(UpstreamResponse.Now);
        var cache = new ResponseCache(options);
        var collapser = new RequestCollapser();
        var admission = new ResponseAdmission(new FreshnessPolicy(options), options, new HeaderValuePool());
        var fetcher = new UpstreamFetcher(cache, new BodyArenaHost(options, NullLogger<BodyArena>.Instance), collapser, admission, options, time,
            new ServiceCollection().BuildServiceProvider(), NullLogger<UpstreamFetcher>.Instance);
        _middleware = new CachingMiddleware(
            _ => throw new InvalidOperationException("A fresh hit went to the upstream."),
            cache, collapser, fetcher, admission, time, new FeedSilence(options, time), options,
            NullLogger<CachingMiddleware>.Instance);

        var requestHeaders = BrowserRequest.Headers();
        cache.Store(UpstreamResponse.Create(BrowserRequest.Key, UpstreamResponse.Headers(), requestHeaders));
        var variantKey = "http://" + BrowserRequest.Host + VariantPath + BrowserRequest.Query;
        cache.Store(UpstreamResponse.Create(variantKey, UpstreamResponse.Headers(varyOnEncoding: true), requestHeaders));

        // The br variant the edge compressed and stored: its Vary key holds the normal form "br".
        var compressedKey = "http://" + BrowserRequest.Host + CompressedPath + BrowserRequest.Query;
        cache.Store(UpstreamResponse.Create(compressedKey, UpstreamResponse.Headers(varyOnEncoding: true), BrowserRequest.Headers("br")));
        _normaliser = new AcceptEncodingMiddleware(_middleware.InvokeAsync);

        // The protections in front of every hit: a rate limit rule covering the path (never exhausted
        // here) and the path-attack check on the raw target.
        var limited = Options.Create(new EdgeOptions { RateLimits = [new RateLimitRule { PermitsPerSecond = 1e9, Burst = int.MaxValue }] });
        var pathGuard = new PathGuardMiddleware(_middleware.InvokeAsync, NullLogger<PathGuardMiddleware>.Instance);
        _guarded = new ClientRateLimiter(pathGuard.InvokeAsync, new RateLimitBuckets(limited, time), time, NullLogger<ClientRateLimiter>.Instance);
        _guardedHit = new ReusedHttpContext(BrowserRequest.Path);
        _guardedHit.Context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget = BrowserRequest.Path + BrowserRequest.Query;
        _guardedHit.Context.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.7");

        _hit = new ReusedHttpContext(BrowserRequest.Path);
        _variantHit = new ReusedHttpContext(VariantPath);
        _compressedHit = new ReusedHttpContext(CompressedPath);
        Check(_hit, FreshHit());
        Check(_variantHit, VariantHit());
        Check(_compressedHit, CompressedVariantHit());
        Check(_guardedHit, GuardedFreshHit());
    }

    [Benchmark(Baseline = true)]
    public Task FreshHit()
    {
        _hit.ResetResponse();
        return _middleware.InvokeAsync(_hit.Context);
    }

    /// <summary>The same for a response with <c>Vary: Accept-Encoding</c>, requested with a browser's <c>Accept-Encoding</c>.</summary>
    [Benchmark]
    public Task VariantHit()
    {
        _variantHit.ResetResponse();
        return _middleware.InvokeAsync(_variantHit.Context);
    }

    /// <summary>
    /// A hit on the compressed variant the edge stored: the browser's <c>Accept-Encoding</c> is
    /// normalised to <c>br</c> first (<see cref="AcceptEncodingMiddleware"/>), as at the edge's entry.
    /// </summary>
    [Benchmark]
    public Task CompressedVariantHit()
    {
        _compressedHit.ResetResponse();
        _compressedHit.Context.Request.Headers.AcceptEncoding = BrowserRequest.AcceptEncoding;
        return _normaliser.InvokeAsync(_compressedHit.Context);
    }

    /// <summary>A fresh hit behind the per-client rate limiter and the path guard, as at the edge's entry.</summary>
    [Benchmark]
    public Task GuardedFreshHit()
    {
        _guardedHit.ResetResponse();
        return _guarded.InvokeAsync(_guardedHit.Context);
    }

    /// <summary>Fails the run unless the request was answered from the cache, whole, without waiting.</summary>
    private static void Check(ReusedHttpContext hit, Task served)
    {
        var response = hit.Context.Response;
        var cacheStatus = response.Headers[CacheStatusHeader.Name].ToString();
        if (!served.IsCompletedSuccessfully || response.StatusCode != StatusCodes.Status200OK
            || !cacheStatus.Contains("; hit", StringComparison.Ordinal) || hit.BodyWritten != UpstreamResponse.BodyLength)
        {
            throw new InvalidOperationException(
                $"Not a fresh hit: status {response.StatusCode}, Cache-Status '{cacheStatus}', {hit.BodyWritten} body bytes.");
        }
    }
}
