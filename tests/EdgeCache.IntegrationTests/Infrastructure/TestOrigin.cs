using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeCache.Origin.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace EdgeCache.IntegrationTests.Infrastructure;

/// <summary>A real origin (Kestrel on loopback, port 0) over a temporary data folder, built as <c>edgecache origin</c> builds it.</summary>
public sealed class TestOrigin : IAsyncDisposable
{
    public const string Token = "origin-secret";

    private readonly WebApplication _app;

    private TestOrigin(WebApplication app, string url, string data, LogCollector logs)
    {
        _app = app;
        Url = url;
        Data = data;
        Logs = logs;
        Client = new HttpClient { BaseAddress = new Uri(url) };
        Admin = new HttpClient { BaseAddress = new Uri(url) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    public string Url { get; }

    public string Data { get; }

    /// <summary>A client without credentials.</summary>
    public HttpClient Client { get; }

    /// <summary>A client with the admin token.</summary>
    public HttpClient Admin { get; }

    public LogCollector Logs { get; }

    public static async Task<TestOrigin> StartAsync(string? data = null, params (string Key, string? Value)[] settings)
    {
        data ??= NewDataFolder();
        var logs = new LogCollector();
        var all = new Dictionary<string, string?>
        {
            ["Origin:Listen"] = "http://127.0.0.1:0",
            ["Origin:Data"] = data,
            ["Origin:Token"] = Token,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        var app = await OriginApplication.CreateAsync(all, logging: logging => logging.AddProvider(logs));
        await app.StartAsync();
        return new TestOrigin(app, app.Urls.First(), data, logs);
    }

    public static string NewDataFolder() => Directory.CreateTempSubdirectory("edgecache-origin-").FullName;

    /// <summary>Publishes <paramref name="body"/> at <paramref name="path"/>; returns the seq.</summary>
    public async Task<long> PutAsync(string path, string body, string contentType = "text/plain", string? tags = null)
    {
        using var content = new StringContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var request = new HttpRequestMessage(HttpMethod.Put, "/_admin/content" + path) { Content = content };
        if (tags is not null)
        {
            request.Headers.Add("X-Tags", tags);
        }

        using var response = await Admin.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("seq").GetInt64();
    }

    public async Task<JsonElement> ChangesAsync(long after = 0, int limit = 10_000)
        => await Admin.GetFromJsonAsync<JsonElement>($"/_admin/changes?after={after}&limit={limit}");

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Admin.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
