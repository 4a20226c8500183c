using System.Net.Http.Json;
using System.Text.Json;
using EdgeCache.Edge.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace EdgeCache.IntegrationTests.Infrastructure;

/// <summary>A real edge node (Kestrel on loopback, port 0), built exactly as <c>edgecache edge</c> builds it.</summary>
public sealed class TestEdge : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestEdge(WebApplication app, string url, LogCollector logs)
    {
        _app = app;
        Logs = logs;
        Url = url;
        Urls = [.. app.Urls];
        Client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
    }

    private int _disposed;

    /// <summary>The first address the edge listens on.</summary>
    public string Url { get; }

    /// <summary>Every address the edge listens on, ports resolved.</summary>
    public IReadOnlyList<string> Urls { get; }

    /// <summary>The edge's services (to reach its internals in a test).</summary>
    public IServiceProvider Services => _app.Services;

    public HttpClient Client { get; }

    /// <summary>Warnings and errors the edge logged.</summary>
    public LogCollector Logs { get; }

    public static async Task<TestEdge> StartAsync(IDictionary<string, string?> settings, string? configFile = null, TimeProvider? time = null)
    {
        var logs = new LogCollector();
        var all = new Dictionary<string, string?>(settings)
        {
            ["Logging:LogLevel:Default"] = "Warning",
        };
        all.TryAdd("Edge:Listen", "http://127.0.0.1:0");
        var app = EdgeApplication.Build(all, configFile, logging => logging.AddProvider(logs), time);
        await app.StartAsync();
        return new TestEdge(app, app.Urls.First(), logs);
    }

    public static Task<TestEdge> InFrontOfAsync(TestUpstream upstream, params (string Key, string Value)[] settings)
        => InFrontOfAsync(upstream, null, settings);

    /// <summary>An edge in front of <paramref name="upstream"/> whose clock is <paramref name="time"/>.</summary>
    public static Task<TestEdge> InFrontOfAsync(TestUpstream upstream, TimeProvider? time, params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?> { ["Edge:Upstream"] = upstream.Url };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return StartAsync(all, null, time);
    }

    public async Task<JsonElement> StatsAsync(string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/_edge/stats");
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        using var response = await Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async ValueTask DisposeAsync()
    {
        // A test may stop one edge of a fleet early; the fleet disposes it again at the end.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
