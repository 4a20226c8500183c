using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCache.IntegrationTests.Infrastructure;

namespace EdgeCache.IntegrationTests;

/// <summary>
/// Replication end to end: a real origin and 3 regions x 2 edges, each edge on its own loopback
/// address with its feed through a relay the test can cut or stall.
/// </summary>
public sealed class ReplicationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task After_a_waited_publish_every_edge_serves_the_new_version_200_rounds_in_a_row()
    {
        await using var fleet = await TestFleet.StartAsync();
        var paths = Enumerable.Range(0, 20).Select(i => $"/site/page-{i}.html").ToArray();
        foreach (var path in paths)
        {
            await fleet.Origin.PutAsync(path, $"{path} v0", "text/html");
        }

        // Every edge caches every page first, so a missed invalidation would show as an old version.
        var versions = paths.ToDictionary(p => p, _ => 0);
        foreach (var edge in fleet.Edges)
        {
            foreach (var path in paths)
            {
                Assert.Equal($"{path} v0", await edge.Edge.Client.GetStringAsync(path));
            }
        }

        var random = new Random(5);
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        for (var round = 0; round < 200; round++)
        {
            budget.Token.ThrowIfCancellationRequested();
            var path = paths[random.Next(paths.Length)];
            var version = ++versions[path];
            var (status, report) = await PutWaitingAsync(fleet.Origin, path, $"{path} v{version}");

            Assert.True(status == HttpStatusCode.OK, $"round {round}: {status} {report}");
            Assert.Empty(report.GetProperty("pending").EnumerateArray());
            Assert.Equal(6, report.GetProperty("acked").GetArrayLength());
            foreach (var edge in fleet.Edges.OrderBy(_ => random.Next()))
            {
                Assert.Equal($"{path} v{version}", await edge.Edge.Client.GetStringAsync(path));
            }
        }
    }

    [Fact]
    public async Task An_edge_cut_off_misses_50_changes_and_catches_up_without_serving_stale_content()
    {
        // Reconnect attempts back off while the relay refuses them; a low ceiling keeps the catch-up
        // prompt on a busy machine, and catching up is what this test is about.
        await using var fleet = await TestFleet.StartAsync(regions: 3, edgesPerRegion: 2, edgeSettings: [("Edge:FeedMaxReconnectDelay", "00:00:01")]);
        var cutOff = fleet.Edges[2];
        var paths = Enumerable.Range(0, 50).Select(i => $"/catch-up/{i}.txt").ToArray();
        foreach (var path in paths)
        {
            await fleet.Origin.PutAsync(path, "before");
            Assert.Equal("before", await cutOff.Edge.Client.GetStringAsync(path));
        }

        cutOff.Relay.Cut();
        long head = 0;
        foreach (var path in paths)
        {
            head = await fleet.Origin.PutAsync(path, "after");
        }

        cutOff.Relay.Restore();
        Assert.True(await fleet.WaitUntilAppliedAsync(cutOff, head, Patience), "the edge did not catch up");

        foreach (var path in paths)
        {
            Assert.Equal("after", await cutOff.Edge.Client.GetStringAsync(path));
        }

        // And it stays current: a waited change reaches it like every other edge.
        var (status, report) = await PutWaitingAsync(fleet.Origin, paths[0], "after again");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(cutOff.Id, report.GetProperty("acked").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("after again", await cutOff.Edge.Client.GetStringAsync(paths[0]));
    }

    [Fact]
    public async Task Compaction_past_an_edges_position_resets_it_and_it_serves_no_stale_object()
    {
        await using var fleet = await TestFleet.StartAsync(
            regions: 1,
            edgesPerRegion: 2,
            originSettings: [("Origin:Log:Retain", "5"), ("Origin:Log:SegmentBytes", "256"), ("Origin:MaintenanceInterval", "00:00:00.1")]);
        var behind = fleet.Edges[1];
        var paths = Enumerable.Range(0, 10).Select(i => $"/reset/{i}").ToArray();
        foreach (var path in paths)
        {
            await fleet.Origin.PutAsync(path, "old");
            Assert.Equal("old", await behind.Edge.Client.GetStringAsync(path));
        }

        behind.Relay.Cut();
        long head = 0;
        foreach (var path in paths)
        {
            head = await fleet.Origin.PutAsync(path, "new");
        }

        for (var i = 0; i < 20; i++)
        {
            head = await fleet.Origin.PutAsync($"/filler/{i}", "filler");
        }

        var behindPosition = head - 30;
        Assert.True(await Deadline.UntilAsync(
            async () => (await fleet.Origin.ChangesAsync()).GetProperty("lowWaterMark").GetInt64() > behindPosition + 1,
            Patience), "the log was not compacted past the edge");

        behind.Relay.Restore();
        Assert.True(await fleet.WaitUntilAppliedAsync(behind, head, Patience), "the edge did not come back after the reset");
        foreach (var path in paths)
        {
            Assert.Equal("new", await behind.Edge.Client.GetStringAsync(path));
        }
    }

    [Fact]
    public async Task Wait_all_with_one_edge_stalled_answers_202_naming_it()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 3, edgesPerRegion: 2);
        var stalled = fleet.Edges[3];
        stalled.Relay.Stall();

        var (status, report) = await PutWaitingAsync(fleet.Origin, "/waited", "waited", timeout: "1s");

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal([stalled.Id], report.GetProperty("pending").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(
            fleet.Edges.Where(e => e != stalled).Select(e => e.Id).Order(),
            report.GetProperty("acked").EnumerateArray().Select(e => e.GetString()!).Order());
        stalled.Relay.Restore();
        Assert.True(await fleet.WaitUntilAppliedAsync(stalled, report.GetProperty("seq").GetInt64(), Patience));
    }

    [Fact]
    public async Task An_edge_whose_feed_is_stalled_revalidates_its_hits_and_says_so()
    {
        await using var fleet = await TestFleet.StartAsync(
            regions: 1,
            edgesPerRegion: 1,
            edgeSettings: [("Edge:MaxFeedSilence", "00:00:01")]);
        var edge = fleet.Edges[0];
        await fleet.Origin.PutAsync("/bounded.txt", "v1");
        Assert.Equal("v1", await edge.Edge.Client.GetStringAsync("/bounded.txt"));
        using (var hit = await edge.Edge.Client.GetAsync("/bounded.txt"))
        {
            Assert.Contains("hit", string.Join(",", hit.Headers.GetValues("Cache-Status")), StringComparison.Ordinal);
        }

        edge.Relay.Stall();
        await fleet.Origin.PutAsync("/bounded.txt", "v2");

        // The change cannot arrive; once the feed has been silent for MaxFeedSilence the edge asks upstream.
        string? cacheStatus = null;
        Assert.True(await Deadline.UntilAsync(
            async () =>
            {
                using var response = await edge.Edge.Client.GetAsync("/bounded.txt");
                cacheStatus = string.Join(",", response.Headers.GetValues("Cache-Status"));
                return await response.Content.ReadAsStringAsync() == "v2";
            },
            TimeSpan.FromSeconds(15)));
        Assert.Contains("feed", cacheStatus, StringComparison.Ordinal);

        edge.Relay.Restore();
        Assert.True(await fleet.WaitUntilAppliedAsync(edge, (await fleet.Origin.ChangesAsync()).GetProperty("head").GetInt64(), Patience));
        Assert.True(await Deadline.UntilAsync(
            async () =>
            {
                using var response = await edge.Edge.Client.GetAsync("/bounded.txt");
                var status = string.Join(",", response.Headers.GetValues("Cache-Status"));
                return status.Contains("hit", StringComparison.Ordinal) && !status.Contains("feed", StringComparison.Ordinal);
            },
            Patience), "the edge kept revalidating after the feed came back");
    }

    [Fact]
    public async Task Replicate_mode_fetches_every_put_at_once_and_warms_a_new_edge_from_the_manifest()
    {
        await using var fleet = await TestFleet.StartAsync(
            regions: 2,
            edgesPerRegion: 1,
            edgeSettings: [("Edge:Replicate:0", "/mirror/")]);
        await fleet.Origin.PutAsync("/mirror/before.txt", "was there first");

        var (status, _) = await PutWaitingAsync(fleet.Origin, "/mirror/doc.txt", "replicated");
        await fleet.Origin.PutAsync("/elsewhere.txt", "not replicated");

        Assert.Equal(HttpStatusCode.OK, status);
        foreach (var edge in fleet.Edges)
        {
            Assert.True(await Deadline.UntilAsync(async () => await IsStoredAsync(edge, "/mirror/doc.txt"), Patience), $"{edge.Id} did not replicate the put");
            Assert.False(await IsStoredAsync(edge, "/elsewhere.txt"));
        }

        await using var late = await TestFleet.StartEdgeAsync(fleet.Origin, "eu-west", 9, 9, ("Edge:Replicate:0", "/mirror/"));
        Assert.True(await Deadline.UntilAsync(async () => await IsStoredAsync(late, "/mirror/before.txt") && await IsStoredAsync(late, "/mirror/doc.txt"), Patience),
            "a new edge did not warm from the manifest");
        using var served = await late.Edge.Client.GetAsync("/mirror/before.txt");
        Assert.Contains("hit", string.Join(",", served.Headers.GetValues("Cache-Status")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_origin_reports_one_path_across_every_edge()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 3, edgesPerRegion: 1);
        await fleet.Origin.PutAsync("/status.txt", "status");
        await fleet.Edges[0].Edge.Client.GetStringAsync("/status.txt");

        var report = await fleet.Origin.Admin.GetFromJsonAsync<JsonElement>("/_admin/status?path=/status.txt");

        var edges = report.GetProperty("edges").EnumerateArray().ToDictionary(e => e.GetProperty("id").GetString()!);
        Assert.Equal(3, edges.Count);
        Assert.True(edges[fleet.Edges[0].Id].GetProperty("stored").GetBoolean());
        Assert.Equal(report.GetProperty("originETag").GetString(), edges[fleet.Edges[0].Id].GetProperty("eTag").GetString());
        Assert.False(edges[fleet.Edges[1].Id].GetProperty("stored").GetBoolean());
    }

    private static async Task<bool> IsStoredAsync(FleetEdge edge, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/_edge/cache?path={Uri.EscapeDataString(path)}");
        request.Headers.Authorization = new("Bearer", TestOrigin.Token);
        using var response = await edge.Edge.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("entries").GetArrayLength() > 0;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Report)> PutWaitingAsync(TestOrigin origin, string path, string body, string timeout = "5s")
    {
        using var content = new StringContent(body, Encoding.UTF8, "text/plain");
        using var response = await origin.Admin.PutAsync($"/_admin/content{path}?wait=all&timeout={timeout}", content);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
