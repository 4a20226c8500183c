using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeCache.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeCache.IntegrationTests;

/// <summary>Back-ends that fail, die or are drained while clients keep being served.</summary>
public sealed class BackendFailoverTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Killing_one_of_two_back_ends_under_a_GET_load_gives_no_client_error()
    {
        await using var a = await Backend("a", "127.0.0.1");
        await using var b = await Backend("b", "127.0.0.2");
        await using var edge = await TestEdge.StartAsync(new Dictionary<string, string?>(), await WriteConfigAsync(Pool("RoundRobin", ("a", a.Url), ("b", b.Url))));
        await using var load = GetLoad.Start(edge.Client, clients: 4);

        Assert.True(await Deadline.UntilAsync(() => Task.FromResult(a.Requests > 100 && b.Requests > 100), Patience), "the load never reached both back-ends");
        await b.KillAsync();
        var aAtKill = a.Requests;
        var reached = await Deadline.UntilAsync(() => Task.FromResult(a.Requests > aAtKill + 400), Patience);
        var (sent, failures) = await load.StopAsync();

        Assert.True(reached, "the surviving back-end did not take the load");
        Assert.Empty(failures);
        Assert.True(sent > 600, $"only {sent} requests were sent");
        // The edge saw the dead back-end fail and sent those requests again; clients never knew.
        Assert.Contains(edge.Logs.Entries, e => e.Message.StartsWith("Retrying GET /item/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Only_idempotent_requests_without_a_body_are_retried_on_another_destination()
    {
        await using var live = await Backend("live", "127.0.0.1");
        // First in alphabetical order, so every request tries the dead one first.
        var dead = $"http://127.0.0.1:{Deadline.ClosedPort()}";
        await using var edge = await TestEdge.StartAsync(new Dictionary<string, string?>(), await WriteConfigAsync(Pool("FirstAlphabetical", ("a-dead", dead), ("b-live", live.Url))));

        using var get = await edge.Client.GetAsync("/item/1");
        using var cacheable = await edge.Client.GetAsync("/cacheable/1");
        using var head = await edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/item/2"));
        using var delete = await edge.Client.DeleteAsync("/item/3");
        using var post = await edge.Client.PostAsync("/item/4", new StringContent("x"));
        using var put = await edge.Client.PutAsync("/item/5", new StringContent("x"));

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("live GET /item/1", await get.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, cacheable.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.Equal("live DELETE /item/3", await delete.Content.ReadAsStringAsync());
        // These could have had an effect (or carry a body the first attempt consumed): the client decides.
        Assert.Equal(HttpStatusCode.BadGateway, post.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, put.StatusCode);
        Assert.Equal(4, live.Requests);
    }

    [Fact]
    public async Task A_drained_destination_gets_no_new_requests_and_its_clients_never_notice()
    {
        await using var a = await Backend("a", "127.0.0.1");
        await using var b = await Backend("b", "127.0.0.2");
        await using var edge = await TestEdge.StartAsync(
            new Dictionary<string, string?> { ["Edge:Token"] = "s3cret" },
            await WriteConfigAsync(Pool("RoundRobin", ("a", a.Url), ("b", b.Url))));
        using var admin = new HttpClient { BaseAddress = new Uri(edge.Url) };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", "s3cret");
        await using var load = GetLoad.Start(edge.Client, clients: 4);
        Assert.True(await Deadline.UntilAsync(() => Task.FromResult(a.Requests > 100 && b.Requests > 100), Patience), "the load never reached both back-ends");

        using var unauthorized = await edge.Client.PostAsync("/_edge/destinations/pool/b/drain", null);
        using var unknown = await admin.PostAsync("/_edge/destinations/pool/nope/drain", null);
        using var drain = await admin.PostAsync("/_edge/destinations/pool/b/drain", null);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        var drained = await drain.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("http://127.0.0.2", drained.GetProperty("address").GetString()![..16]);
        Assert.NotEqual(JsonValueKind.Null, drained.GetProperty("drainingSince").ValueKind);

        // Done when nothing is in flight there any more; from then on b gets nothing.
        Assert.True(await Deadline.UntilAsync(async () => InFlight(await admin.GetFromJsonAsync<JsonElement>("/_edge/destinations"), "b") == 0, Patience));
        var bAfterDrain = b.Requests;
        var aAfterDrain = a.Requests;
        Assert.True(await Deadline.UntilAsync(() => Task.FromResult(a.Requests > aAfterDrain + 300), Patience));
        Assert.Equal(bAfterDrain, b.Requests);

        using var restore = await admin.PostAsync("/_edge/destinations/pool/b/restore", null);
        Assert.Equal(HttpStatusCode.OK, restore.StatusCode);
        Assert.True(await Deadline.UntilAsync(() => Task.FromResult(b.Requests > bAfterDrain + 50), Patience), "the restored destination got no traffic");
        var (_, failures) = await load.StopAsync();

        Assert.Empty(failures);
        Assert.Contains(edge.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.StartsWith("Draining destination b", StringComparison.Ordinal));
    }

    [Fact]
    public async Task When_every_destination_is_drained_requests_still_go_to_one()
    {
        await using var only = await Backend("only", "127.0.0.1");
        await using var edge = await TestEdge.StartAsync(
            new Dictionary<string, string?> { ["Edge:Token"] = "s3cret" },
            await WriteConfigAsync(Pool("RoundRobin", ("only", only.Url))));
        using var admin = new HttpClient { BaseAddress = new Uri(edge.Url) };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", "s3cret");

        using var drain = await admin.PostAsync("/_edge/destinations/pool/only/drain", null);
        using var response = await edge.Client.GetAsync("/item/1");

        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        Assert.Equal("only GET /item/1", await response.Content.ReadAsStringAsync());
        Assert.Contains(edge.Logs.Entries, e => e.Message.Contains("Every available destination of cluster pool is draining", StringComparison.Ordinal));
    }

    private static int InFlight(JsonElement report, string destination)
        => report.GetProperty("destinations").EnumerateArray().Single(d => d.GetProperty("destination").GetString() == destination).GetProperty("inFlight").GetInt32();

    /// <summary>A back-end answering <c>NAME METHOD PATH</c>, stored by nobody except under <c>/cacheable/</c>.</summary>
    private static Task<TestUpstream> Backend(string name, string address)
        => TestUpstream.StartAsync(context =>
        {
            context.Response.Headers.CacheControl = context.Request.Path.StartsWithSegments("/cacheable") ? "max-age=60" : "no-store";
            return context.Response.WriteAsync($"{name} {context.Request.Method} {context.Request.Path}");
        }, address);

    private static object Pool(string policy, params (string Name, string Url)[] destinations) => new
    {
        ReverseProxy = new
        {
            Routes = new Dictionary<string, object> { ["all"] = new { ClusterId = "pool", Match = new { Path = "/{**any}" } } },
            Clusters = new Dictionary<string, object>
            {
                ["pool"] = new
                {
                    LoadBalancingPolicy = policy,
                    HealthCheck = new { Passive = new { Enabled = true, ReactivationPeriod = "00:00:30" } },
                    Destinations = destinations.ToDictionary(d => d.Name, d => (object)new { Address = d.Url }),
                },
            },
        },
    };

    private static async Task<string> WriteConfigAsync(object config)
    {
        var path = Path.Combine(Path.GetTempPath(), $"edgecache-test-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(config));
        return path;
    }

    /// <summary>Clients sending GETs in a loop (bounded in count and time), recording every answer that is not a 200.</summary>
    private sealed class GetLoad : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(60));
        private readonly List<string> _failures = [];
        private readonly Task[] _clients;
        private int _sent;

        private GetLoad(HttpClient client, int clients)
            => _clients = [.. Enumerable.Range(0, clients).Select(n => Task.Run(() => RunAsync(client, n)))];

        public static GetLoad Start(HttpClient client, int clients) => new(client, clients);

        public async Task<(int Sent, List<string> Failures)> StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_clients);
            lock (_failures)
            {
                return (Volatile.Read(ref _sent), [.. _failures]);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }

        private async Task RunAsync(HttpClient client, int n)
        {
            for (var i = 0; i < 50_000 && !_stop.IsCancellationRequested; i++)
            {
                string? failure;
                try
                {
                    using var response = await client.GetAsync($"/item/{n}-{i}", CancellationToken.None);
                    failure = response.StatusCode == HttpStatusCode.OK ? null : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                }
                catch (HttpRequestException e)
                {
                    failure = e.Message;
                }

                Interlocked.Increment(ref _sent);
                if (failure is not null)
                {
                    lock (_failures)
                    {
                        _failures.Add(failure);
                    }
                }
            }
        }
    }
}
