using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCache.IntegrationTests.Infrastructure;

/// <summary>A real Kestrel back-end on a loopback address and a free port, counting what it is asked.</summary>
public sealed class TestUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;
    private int _disposed;

    private TestUpstream(WebApplication app) => _app = app;

    /// <summary>Base URL, e.g. http://127.0.0.2:41234.</summary>
    public string Url { get; private set; } = string.Empty;

    public Uri Uri => new(Url);

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Request headers as the upstream saw them, in arrival order.</summary>
    public ConcurrentQueue<IHeaderDictionary> SeenHeaders { get; } = new();

    public static async Task<TestUpstream> StartAsync(RequestDelegate handler, string address = "127.0.0.1")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{address}:0");
        var app = builder.Build();
        var upstream = new TestUpstream(app);
        app.Run(async context =>
        {
            Interlocked.Increment(ref upstream._requests);
            upstream.SeenHeaders.Enqueue(new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value)));
            await handler(context);
        });
        await app.StartAsync();
        upstream.Url = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return upstream;
    }

    /// <summary>An upstream that answers every request with <paramref name="body"/> and the given cache policy.</summary>
    public static Task<TestUpstream> StaticAsync(string body, string cacheControl = "max-age=60", string address = "127.0.0.1")
        => StartAsync(async context =>
        {
            context.Response.ContentType = "text/plain";
            context.Response.Headers.CacheControl = cacheControl;
            await context.Response.WriteAsync(body);
        }, address);

    /// <summary>Stops the back-end as a crash would: open connections are cut, requests in flight get no answer.</summary>
    public async Task KillAsync()
    {
        await _app.StopAsync(new CancellationToken(canceled: true));
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
