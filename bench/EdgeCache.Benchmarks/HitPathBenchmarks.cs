using BenchmarkDotNet.Attributes;
using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Hosting;
using EdgeCache.Edge.Replication;
using EdgeCache.Edge.Storage;
using Microsoft.AspNetCore.Http;
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

    private CachingMiddleware _middleware = null!;
    private ReusedHttpContext _hit = null!;
    private ReusedHttpContext _variantHit = null!;

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

        _hit = new ReusedHttpContext(BrowserRequest.Path);
        _variantHit = new ReusedHttpContext(VariantPath);
        Check(_hit, FreshHit());
        Check(_variantHit, VariantHit());
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
