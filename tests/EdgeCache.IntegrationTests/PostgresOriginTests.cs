using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeCache.IntegrationTests.Infrastructure;
using EdgeCache.Origin.Tests.Postgres;

namespace EdgeCache.IntegrationTests;

/// <summary>
/// Several origins sharing a real PostgreSQL (a throwaway cluster), with real edges following
/// them: one log, gapless across origins; acks and fleet shared; edges failing over when an
/// origin dies; nothing acknowledged lost when PostgreSQL restarts.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresOriginTests(PostgresCluster cluster)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Publishes_alternating_between_two_origins_get_gapless_seqs_and_reach_every_edge()
    {
        var connectionString = await cluster.NewSchemaAsync("alternating");
        await using var first = await StartOriginAsync(connectionString);
        await using var second = await StartOriginAsync(connectionString);
        // Each edge prefers another origin, so acks arrive at both and wait=all must see them all.
        await using var edgeOne = await StartEdgeAsync("one", first, second);
        await using var edgeTwo = await StartEdgeAsync("two", second, first);
        await WaitUntilConnectedAsync(first, ["one", "two"]);
        await WaitUntilConnectedAsync(second, ["one", "two"]);

        var seqs = new List<long>();
        for (var i = 0; i < 30; i++)
        {
            var origin = i % 2 == 0 ? first : second;
            var (status, report) = await PutWaitingAsync(origin, $"/page-{i % 5}", $"version {i}");
            Assert.True(status == HttpStatusCode.OK, $"publish {i} on {origin.Url}: {status} {report}");
            Assert.Equal(["one", "two"], report.GetProperty("acked").EnumerateArray().Select(e => e.GetString()).Order());
            seqs.Add(report.GetProperty("seq").GetInt64());
            foreach (var edge in new[] { edgeOne, edgeTwo })
            {
                Assert.Equal($"version {i}", await edge.Client.GetStringAsync($"/page-{i % 5}"));
            }
        }

        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), seqs);
        var changes = await second.ChangesAsync();
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), changes.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()));
        Assert.Equal("version 29", await first.Client.GetStringAsync("/page-4"));

        // Status on either origin asks every edge, whichever origin it follows.
        foreach (var origin in new[] { first, second })
        {
            var status = await origin.Admin.GetFromJsonAsync<JsonElement>("/_admin/status?path=/page-4");
            var edges = status.GetProperty("edges").EnumerateArray().ToList();
            Assert.Equal(["one", "two"], edges.Select(e => e.GetProperty("id").GetString()).Order());
            Assert.All(edges, e => Assert.True(e.GetProperty("stored").GetBoolean(), e.ToString()));
        }
    }

    [Fact]
    public async Task Edges_fail_over_when_their_origin_is_killed_and_serve_no_stale_object_after_the_next_waited_publish()
    {
        var connectionString = await cluster.NewSchemaAsync("failover");
        await using var doomed = CliProcess.Start(
            // No --data: on PostgreSQL the origin caches bodies in a temporary folder.
            ["origin", "--listen", "http://127.0.0.1:0"],
            new Dictionary<string, string?> { ["EDGECACHE_TOKEN"] = TestOrigin.Token, ["EDGECACHE_POSTGRES"] = connectionString });
        var doomedUrl = (await doomed.WaitForLineAsync(l => l.StartsWith("origin listening on ", StringComparison.Ordinal), Patience))["origin listening on ".Length..];
        await using var survivor = await StartOriginAsync(connectionString);
        await using var edgeOne = await StartEdgeAsync("one", doomedUrl, survivor.Url);
        await using var edgeTwo = await StartEdgeAsync("two", doomedUrl, survivor.Url);
        await WaitUntilConnectedAsync(survivor, ["one", "two"]);

        var (status, report) = await PutWaitingAsync(survivor, "/news", "before");
        Assert.True(status == HttpStatusCode.OK, $"{status} {report}");
        foreach (var edge in new[] { edgeOne, edgeTwo })
        {
            Assert.Equal("before", await edge.Client.GetStringAsync("/news"));
        }

        Process.GetProcessById(doomed.Id).Kill();
        await doomed.WaitForExitAsync(Patience);

        // The edges' streams on the dead origin end; they resume on the survivor from their applied seq.
        Assert.True(await Deadline.UntilAsync(async () => (await PutWaitingAsync(survivor, "/news", "after")).Report.GetProperty("acked").GetArrayLength() == 2, Patience),
            "the edges did not fail over to the surviving origin");
        foreach (var edge in new[] { edgeOne, edgeTwo })
        {
            // A miss may find the dead origin first in the upstream list until its health check fails: a
            // 502 then, but never the old body.
            string? body = null;
            Assert.True(await Deadline.UntilAsync(async () =>
            {
                using var response = await edge.Client.GetAsync("/news");
                body = await response.Content.ReadAsStringAsync();
                Assert.NotEqual("before", body);
                return response.StatusCode == HttpStatusCode.OK;
            }, Patience), $"the edge answered no content after the failover: {body}");
            Assert.Equal("after", body);
        }
    }

    [Fact]
    public async Task Origins_recover_from_a_PostgreSQL_restart_mid_stream_and_lose_nothing_acknowledged()
    {
        var connectionString = await cluster.NewSchemaAsync("restart");
        await using var first = await StartOriginAsync(connectionString);
        await using var second = await StartOriginAsync(connectionString);
        await using var edge = await StartEdgeAsync("one", first, second);
        await WaitUntilConnectedAsync(first, ["one"]);

        var acknowledged = new Dictionary<string, long>();
        for (var i = 0; i < 10; i++)
        {
            acknowledged[$"/before/{i}"] = await (i % 2 == 0 ? first : second).PutAsync($"/before/{i}", $"before {i}");
        }

        var restart = cluster.RestartAsync();
        // Publishes go on, alternating origins, while the server stops and starts: each either fails
        // or is acknowledged, and an acknowledged one must be there afterwards.
        var during = 0;
        for (var i = 0; !restart.IsCompleted && i < 10_000; i++)
        {
            var origin = i % 2 == 0 ? first : second;
            try
            {
                acknowledged[$"/during/{i}"] = await origin.PutAsync($"/during/{i}", $"during {i}");
            }
            catch (HttpRequestException)
            {
                // Refused while the database was down; never acknowledged.
            }

            during++;
        }

        Assert.True(during >= 1);
        await restart;
        acknowledged["/after"] = await second.PutAsync("/after", "after");

        // The restart hit a publish in flight (one of its statements was retried), not only idle connections.
        Assert.Contains(
            first.Logs.Entries.Concat(second.Logs.Entries),
            e => e.Message.StartsWith("PostgreSQL: ", StringComparison.Ordinal)
                && e.Message.Contains(" failed (attempt ", StringComparison.Ordinal)
                && !e.Message.StartsWith("PostgreSQL: sharing the fleet", StringComparison.Ordinal));

        var changes = await first.ChangesAsync();
        var entries = changes.GetProperty("entries").EnumerateArray().ToArray();
        Assert.Equal(Enumerable.Range(1, entries.Length).Select(i => (long)i), entries.Select(e => e.GetProperty("seq").GetInt64()));
        var logged = entries.ToDictionary(e => e.GetProperty("seq").GetInt64(), e => e.GetProperty("path").GetString());
        foreach (var (path, seq) in acknowledged)
        {
            Assert.Equal(path, logged[seq]);
            Assert.Equal(path.StartsWith("/after", StringComparison.Ordinal) ? "after" : path.Trim('/').Replace('/', ' '), await second.Client.GetStringAsync(path));
        }

        // The edge's feed comes back too and it catches up with everything.
        var head = acknowledged["/after"];
        Assert.True(await Deadline.UntilAsync(
            async () => (await first.Admin.GetFromJsonAsync<JsonElement>("/_admin/fleet")).GetProperty("edges").EnumerateArray()
                .Any(e => e.GetProperty("id").GetString() == "one" && e.GetProperty("applied").GetInt64() >= head),
            Patience), "the edge did not catch up after the restart");
        Assert.Equal("after", await edge.Client.GetStringAsync("/after"));
    }

    [Fact]
    public async Task An_origin_that_cannot_reach_PostgreSQL_fails_to_start_with_one_clear_line()
    {
        using var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var config = Path.Combine(TestOrigin.NewDataFolder(), "origin.json");
        await File.WriteAllTextAsync(config, """{"Origin":{"Postgres":{"RetryFor":"00:00:01"}}}""");

        var (exitCode, _, error) = await CliProcess.RunAsync(
            ["origin", "--listen", "http://127.0.0.1:0", "--postgres", $"Host=127.0.0.1;Port={port};Username=postgres;Timeout=2", "--config", config],
            new Dictionary<string, string?> { ["EDGECACHE_TOKEN"] = TestOrigin.Token });

        Assert.Equal(1, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("edgecache:", StringComparison.Ordinal));
        Assert.Contains($"cannot use PostgreSQL at 127.0.0.1:{port}", line);
        Assert.DoesNotContain("   at ", error);
    }

    private static Task<TestOrigin> StartOriginAsync(string connectionString)
        => TestOrigin.StartAsync(null, ("Origin:Postgres:ConnectionString", connectionString), ("Origin:HeartbeatInterval", "00:00:01"));

    private static Task<TestEdge> StartEdgeAsync(string id, TestOrigin preferred, TestOrigin other) => StartEdgeAsync(id, preferred.Url, other.Url);

    private static Task<TestEdge> StartEdgeAsync(string id, string preferred, string other) => TestEdge.StartAsync(new Dictionary<string, string?>
    {
        ["Edge:Listen"] = "http://127.0.0.1:0",
        ["Edge:Origin"] = $"{preferred},{other}",
        ["Edge:Region"] = "eu",
        ["Edge:Id"] = id,
        ["Edge:Token"] = TestOrigin.Token,
        ["Edge:FeedMaxReconnectDelay"] = "00:00:01",
    });

    private static async Task WaitUntilConnectedAsync(TestOrigin origin, string[] ids)
        => Assert.True(await Deadline.UntilAsync(
            async () =>
            {
                var edges = (await origin.Admin.GetFromJsonAsync<JsonElement>("/_admin/fleet")).GetProperty("edges").EnumerateArray().ToList();
                return ids.All(id => edges.Any(e => e.GetProperty("id").GetString() == id && e.GetProperty("connected").GetBoolean()));
            },
            Patience), $"{origin.Url} does not see edges {string.Join(", ", ids)} connected");

    private static async Task<(HttpStatusCode Status, JsonElement Report)> PutWaitingAsync(TestOrigin origin, string path, string body)
    {
        using var response = await origin.Admin.PutAsync($"/_admin/content{path}?wait=all&timeout=10s", new StringContent(body));
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
