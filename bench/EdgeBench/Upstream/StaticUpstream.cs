using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Bench.Upstream;

/// <summary>
/// The one upstream every contender sits in front of: cacheable objects of a given size under
/// <c>/obj/{bytes}/{name}</c>, and under <c>/slow/{name}</c> a 1 KiB object answered after a delay,
/// so that concurrent misses all arrive while its fetch is in flight. It counts the requests per
/// path, which is how a benchmark tells hits and collapsed misses from fetches.
/// </summary>
internal sealed class StaticUpstream : IAsyncDisposable
{
    public static readonly TimeSpan SlowDelay = TimeSpan.FromSeconds(1);

    private static readonly DateTimeOffset LastModified = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly ConcurrentDictionary<string, int> _fetches = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, byte[]> _bodies = new();
    private WebApplication? _app;

    public string Url { get; private set; } = "";

    /// <summary>Requests the upstream answered for <paramref name="path"/>.</summary>
    public int FetchesOf(string path) => _fetches.TryGetValue(path, out var n) ? n : 0;

    /// <summary>Requests the upstream answered in all.</summary>
    public int TotalFetches => _fetches.Values.Sum();

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        _app = builder.Build();
        _app.MapGet("/obj/{bytes:int}/{name}", (HttpContext context, int bytes, string name) => ServeAsync(context, bytes));
        _app.MapGet("/slow/{name}", async (HttpContext context, string name) =>
        {
            await Task.Delay(SlowDelay);
            await ServeAsync(context, 1024);
        });
        await _app.StartAsync();
        Url = _app.Urls.First();
    }

    private Task ServeAsync(HttpContext context, int bytes)
    {
        if (bytes is < 0 or > 64 << 20)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        var path = context.Request.Path.Value!;
        _fetches.AddOrUpdate(path, 1, static (_, n) => n + 1);
        var body = _bodies.GetOrAdd(bytes, static n =>
        {
            var bytes = new byte[n];
            for (var i = 0; i < n; i++)
            {
                bytes[i] = (byte)('a' + (i % 26));
            }

            return bytes;
        });
        var response = context.Response;
        response.ContentType = "application/octet-stream";
        response.ContentLength = body.Length;
        response.Headers.CacheControl = "public, max-age=86400";
        response.Headers.ETag = $"\"{bytes}-{path.GetHashCode(StringComparison.Ordinal):x8}\"";
        response.Headers.LastModified = LastModified.ToString("R");
        return response.Body.WriteAsync(body).AsTask();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
