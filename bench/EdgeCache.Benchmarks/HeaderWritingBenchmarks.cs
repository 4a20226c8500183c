using BenchmarkDotNet.Attributes;
using EdgeCache.Edge.Caching;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Benchmarks;

/// <summary>
/// Copying a stored response's headers into the response, as <c>StoredResponseWriter.WriteAsync</c>
/// does for a hit: each stored header, then <c>Age</c> and <c>Cache-Status</c>. Kestrel's own
/// collection is what production writes into; <see cref="HeaderDictionary"/> is what tests and
/// <see cref="DefaultHttpContext"/> use, for comparison.
/// </summary>
[MemoryDiagnoser]
public class HeaderWritingBenchmarks
{
    private KestrelResponseHeaders _kestrel = null!;
    private HeaderDictionary _dictionary = null!;
    private StoredHeaders _stored;
    private long _contentLength;
    private string _age = null!;
    private string _cacheStatus = null!;

    [GlobalSetup]
    public void Setup()
    {
        _kestrel = new KestrelResponseHeaders();
        _dictionary = [];
        var stored = UpstreamResponse.Create(BrowserRequest.Key, UpstreamResponse.Headers(), BrowserRequest.Headers());
        _stored = stored.Headers;
        _contentLength = stored.Body.Length;
        var stamp = stored.StampAt(UpstreamResponse.Now);
        _age = stamp.Age;
        _cacheStatus = stamp.CacheStatus;

        // The first write makes the collections' lazily created parts (Kestrel's unknown-header
        // dictionary); a reused connection has them already.
        Kestrel();
        Dictionary();
        if (_kestrel.Headers.Count != _stored.Count + 3 || _dictionary.Count != _stored.Count + 3)
        {
            throw new InvalidOperationException("Not every header was written.");
        }
    }

    [Benchmark(Baseline = true)]
    public int Kestrel()
    {
        _kestrel.Reset();
        return Write(_kestrel.Headers);
    }

    [Benchmark]
    public int Dictionary()
    {
        _dictionary.Clear();
        return Write(_dictionary);
    }

    private int Write(IHeaderDictionary headers)
    {
        _stored.CopyTo(headers);
        headers.ContentLength = _contentLength;
        headers.Age = _age;
        headers[CacheStatusHeader.Name] = _cacheStatus;
        return headers.Count;
    }
}
