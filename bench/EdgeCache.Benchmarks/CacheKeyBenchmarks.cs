using BenchmarkDotNet.Attributes;
using EdgeCache.Edge.Caching;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Benchmarks;

/// <summary>Building the primary key of a browser request: on the stack as a lookup does, against a string as a miss does.</summary>
[MemoryDiagnoser]
public class CacheKeyBenchmarks
{
    private HttpRequest _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        var context = new DefaultHttpContext();
        BrowserRequest.Populate(context.Request);
        _request = context.Request;
        if (CacheKey.Create(_request) != BrowserRequest.Key)
        {
            throw new InvalidOperationException($"The key is {CacheKey.Create(_request)}, not {BrowserRequest.Key}.");
        }
    }

    /// <summary>The lookup's way (<c>CachingMiddleware.Lookup</c>): Length, then Write into a stack buffer.</summary>
    [Benchmark]
    public int OnStack()
    {
        var length = CacheKey.Length(_request);
        Span<char> buffer = stackalloc char[CacheKey.StackLimit];
        return CacheKey.Write(_request, buffer[..length]);
    }

    /// <summary>The allocating way, which misses and purges still use.</summary>
    [Benchmark(Baseline = true)]
    public string AsString() => CacheKey.Create(_request);
}
