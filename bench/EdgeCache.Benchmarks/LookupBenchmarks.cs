using BenchmarkDotNet.Attributes;
using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EdgeCache.Benchmarks;

/// <summary><c>ResponseCache.Find</c> in a cache of 100,000 stored responses, given a key already built.</summary>
[MemoryDiagnoser]
public class LookupBenchmarks
{
    public const int Entries = 100_000;

    /// <summary>A script stored in two variants by <c>Vary: Accept-Encoding</c>.</summary>
    private const string VariantKey = "http://" + BrowserRequest.Host + "/static/js/app.js" + BrowserRequest.Query;

    /// <summary>Same length as the hit's key, so the miss hashes as much.</summary>
    private const string MissKey = "http://" + BrowserRequest.Host + BrowserRequest.Path + "?v=4";

    private static readonly string[] Folders = ["css", "js", "img", "fonts"];
    private static readonly string[] Extensions = ["css", "js", "png", "woff2"];

    private ResponseCache _cache = null!;
    private IHeaderDictionary _requestHeaders = null!;

    [GlobalSetup]
    public void Setup()
    {
        // Room for every entry, so none is evicted while filling.
        _cache = new ResponseCache(Options.Create(new EdgeOptions { CacheSize = new ByteSize(1L << 30) }));
        _requestHeaders = BrowserRequest.Headers();

        // Lookups never read the headers, so the filler entries share one list.
        var headers = UpstreamResponse.Headers();
        for (var i = 0; i < Entries - 3; i++)
        {
            var kind = i % Folders.Length;
            var key = $"http://{BrowserRequest.Host}/static/{Folders[kind]}/asset-{i}.{Extensions[kind]}{BrowserRequest.Query}";
            _cache.Store(UpstreamResponse.Create(key, headers, _requestHeaders));
        }

        _cache.Store(UpstreamResponse.Create(BrowserRequest.Key, headers, _requestHeaders));

        // The browser's variant is stored first, so its lookup passes over the newer gzip-only one.
        var varying = UpstreamResponse.Headers(varyOnEncoding: true);
        _cache.Store(UpstreamResponse.Create(VariantKey, varying, _requestHeaders));
        _cache.Store(UpstreamResponse.Create(VariantKey, varying, BrowserRequest.Headers(acceptEncoding: "gzip")));

        if (_cache.Statistics().Entries != Entries || !Hit() || Miss() || !VariantHit())
        {
            throw new InvalidOperationException("The cache does not hold what the lookups expect.");
        }
    }

    [Benchmark(Baseline = true)]
    public bool Hit() => _cache.Find(BrowserRequest.Key, _requestHeaders, out _) is not null;

    [Benchmark]
    public bool Miss() => _cache.Find(MissKey, _requestHeaders, out _) is not null;

    /// <summary>
    /// Matching the request's <c>Accept-Encoding</c> as a browser writes it, which is not the
    /// sorted normal form the variant keeps, against two variants.
    /// </summary>
    [Benchmark]
    public bool VariantHit() => _cache.Find(VariantKey, _requestHeaders, out _) is not null;
}
