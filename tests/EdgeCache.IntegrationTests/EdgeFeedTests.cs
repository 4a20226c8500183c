using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeCache.IntegrationTests.Infrastructure;
using EdgeCache.Replication.Changes;
using EdgeCache.Replication.Feed;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.IntegrationTests;

/// <summary>An edge following a scripted origin feed: invalidation, order, resume, reset, acks, guards, bounded staleness, replicate mode.</summary>
public sealed class EdgeFeedTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Content whose version per path the test sets: ETag <c>"vN"</c>, a long max-age, tags from
    /// <c>?tags=</c>; a path in <c>Blocked</c> waits for its gate before answering.
    /// </summary>
    private sealed class VersionedContent
    {
        public ConcurrentDictionary<string, int> Versions { get; } = new();

        public ConcurrentDictionary<string, TaskCompletionSource> Blocked { get; } = new();

        public ConcurrentDictionary<string, TaskCompletionSource> Arrived { get; } = new();

        public static string ETag(int version) => $"\"v{version}\"";

        public async Task HandleAsync(HttpContext context)
        {
            var path = context.Request.Path.Value!;
            var version = Versions.GetOrAdd(path, 1);
            Arrived.GetOrAdd(path, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            if (Blocked.TryGetValue(path, out var gate))
            {
                await gate.Task;
            }

            context.Response.Headers.CacheControl = "max-age=600";
            context.Response.Headers.ETag = ETag(version);
            if (context.Request.Query.TryGetValue("tags", out var tags))
            {
                context.Response.Headers["Surrogate-Key"] = tags;
            }

            if (context.Request.Headers.IfNoneMatch == ETag(version))
            {
                context.Response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }

            await context.Response.WriteAsync($"{path} v{version}");
        }
    }

    private static async Task<(string Body, string CacheStatus)> GetAsync(TestEdge edge, string url)
    {
        using var response = await edge.Client.GetAsync(url);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsStringAsync(), string.Join(", ", response.Headers.GetValues("Cache-Status")));
    }

    private static async Task AssertHitAsync(TestEdge edge, string url)
    {
        var (_, status) = await GetAsync(edge, url);
        Assert.Contains("; hit", status, StringComparison.Ordinal);
    }

    private static async Task AssertMissAsync(TestEdge edge, string url)
    {
        var (_, status) = await GetAsync(edge, url);
        Assert.Contains("; fwd=", status, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> CacheReportAsync(TestEdge edge, string path, string? token = ScriptedFeed.Token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/_edge/cache?path={Uri.EscapeDataString(path)}");
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        using var response = await edge.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A scripted feed, a versioned upstream and an edge following the one and fetching from the other.</summary>
    private sealed record Rig(ScriptedFeed Feed, TestUpstream Upstream, VersionedContent Content, TestEdge Edge) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Edge.DisposeAsync();
            await Feed.DisposeAsync();
            await Upstream.DisposeAsync();
        }
    }

    private static async Task<Rig> StartAsync(TimeProvider? time = null, ManifestReport? manifest = null, params (string Key, string Value)[] settings)
    {
        var content = new VersionedContent();
        var upstream = await TestUpstream.StartAsync(content.HandleAsync);
        var feed = await ScriptedFeed.StartAsync();
        feed.Manifest = manifest ?? feed.Manifest;
        return new Rig(feed, upstream, content, await feed.StartEdgeAsync(upstream, time, settings));
    }

    [Fact]
    public async Task Put_and_delete_drop_every_variant_of_their_path_and_nothing_else()
    {
        await using var rig = await StartAsync();
        var (feed, upstream, content, edge) = rig;
        foreach (var url in new[] { "/a", "/a?q=1", "/b" })
        {
            await GetAsync(edge, url);
            await AssertHitAsync(edge, url);
        }

        content.Versions["/a"] = 2;
        Assert.True(await feed.AckedAsync(feed.Push(ChangeOps.Put, "/a", VersionedContent.ETag(2))));

        Assert.Equal(("/a v2", true), await BodyAndMissAsync(edge, "/a"));
        Assert.Equal(("/a v2", true), await BodyAndMissAsync(edge, "/a?q=1"));
        await AssertHitAsync(edge, "/a");
        await AssertHitAsync(edge, "/b");

        Assert.True(await feed.AckedAsync(feed.Push(ChangeOps.Delete, "/b")));
        await AssertMissAsync(edge, "/b");
        await AssertHitAsync(edge, "/a");
    }

    private static async Task<(string Body, bool Missed)> BodyAndMissAsync(TestEdge edge, string url)
    {
        var (body, status) = await GetAsync(edge, url);
        return (body, status.Contains("; fwd=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Purge_events_invalidate_as_named_and_a_soft_purge_serves_stale_while_revalidating()
    {
        await using var rig = await StartAsync();
        var (feed, upstream, _, edge) = rig;
        string[] urls = ["/p/one", "/p/two", "/q/three?tags=red", "/q/four"];
        async Task CacheAllAsync()
        {
            foreach (var url in urls)
            {
                await GetAsync(edge, url);
                await AssertHitAsync(edge, url);
            }
        }

        await CacheAllAsync();
        Assert.True(await feed.AckedAsync(feed.Push(ChangeOps.PurgePath, "/p/one")));
        await AssertMissAsync(edge, "/p/one");
        await AssertHitAsync(edge, "/p/two");

        Assert.True(await feed.AckedAsync(feed.Push(ChangeOps.PurgePrefix, "/p/")));
        await AssertMissAsync(edge, "/p/one");
        await AssertMissAsync(edge, "/p/two");
        await AssertHitAsync(edge, "/q/four");

        Assert.True(await feed.AckedAsync(feed.Push(ChangeOps.PurgeTag, tag: "red")));
        await AssertMissAsync(edge, "/q/three?tags=red");
        await AssertHitAsync(edge, "/q/four");

        Assert.True(await feed.AckedAsync(feed.Push(ChangeOps.PurgeAll)));
        foreach (var url in urls)
        {
            await AssertMissAsync(edge, url);
        }

        var requests = upstream.Requests;
        Assert.True(await feed.AckedAsync(feed.Push(ChangeOps.PurgePath, "/q/four", soft: true)));
        var (body, status) = await GetAsync(edge, "/q/four");
        Assert.Equal("/q/four v1", body);
        Assert.Contains("hit", status, StringComparison.Ordinal);
        Assert.Contains("detail=soft-purged", status, StringComparison.Ordinal);
        Assert.True(await Deadline.UntilAsync(() => Task.FromResult(upstream.Requests > requests), Patience), "no revalidation after the soft purge");
    }

    [Fact]
    public async Task Changes_apply_in_order_and_the_edge_resumes_after_its_last_applied_seq_when_the_feed_drops()
    {
        await using var rig = await StartAsync();
        var (feed, upstream, content, edge) = rig;
        Assert.False(Assert.Single(feed.FeedRequests).ContainsKey(FeedProtocol.LastEventIdHeader));
        await GetAsync(edge, "/order");

        // Put v2, then v3: applied in order the cache ends up expecting v3, which the upstream serves.
        content.Versions["/order"] = 3;
        feed.Push(ChangeOps.Put, "/order", VersionedContent.ETag(2));
        var last = feed.Push(ChangeOps.Put, "/order", VersionedContent.ETag(3));
        Assert.True(await feed.AckedAsync(last));
        Assert.Equal(("/order v3", true), await BodyAndMissAsync(edge, "/order"));
        await AssertHitAsync(edge, "/order");

        feed.DropConnections();
        Assert.True(await Deadline.UntilAsync(() => Task.FromResult(feed.FeedRequests.Count >= 2 && feed.Connections == 1), Patience));
        Assert.Equal(last.ToString(System.Globalization.CultureInfo.InvariantCulture), feed.FeedRequests.Last()[FeedProtocol.LastEventIdHeader].ToString());
        Assert.Equal("edge-1", feed.FeedRequests.Last()[FeedProtocol.EdgeIdHeader].ToString());
        Assert.Equal("test-region", feed.FeedRequests.Last()[FeedProtocol.EdgeRegionHeader].ToString());
        Assert.Equal(edge.Url.TrimEnd('/'), feed.FeedRequests.Last()[FeedProtocol.EdgeEndpointHeader].ToString());

        // Still cached: a resumed feed does not drop anything.
        await AssertHitAsync(edge, "/order");
        content.Versions["/order"] = 4;
        Assert.True(await feed.AckedAsync(feed.Push(ChangeOps.Put, "/order", VersionedContent.ETag(4))));
        Assert.Equal(("/order v4", true), await BodyAndMissAsync(edge, "/order"));
    }

    [Fact]
    public async Task The_edge_reconnects_after_the_feed_server_was_down_and_applies_what_it_missed()
    {
        await using var rig = await StartAsync();
        var (feed, upstream, _, edge) = rig;
        var position = feed.Push(ChangeOps.PurgePath, "/elsewhere");
        Assert.True(await feed.AckedAsync(position));
        await GetAsync(edge, "/down");
        await AssertHitAsync(edge, "/down");

        await feed.StopAsync();
        var missed = feed.Push(ChangeOps.PurgePath, "/down");
        await feed.RestartAsync();

        Assert.True(await feed.AckedAsync(missed), "the edge did not come back");
        Assert.Equal(position.ToString(System.Globalization.CultureInfo.InvariantCulture), feed.FeedRequests.Last()[FeedProtocol.LastEventIdHeader].ToString());
        await AssertMissAsync(edge, "/down");
    }

    [Fact]
    public async Task A_reset_drops_everything_cached_and_the_edge_goes_on_from_the_head()
    {
        await using var rig = await StartAsync();
        var (feed, upstream, _, edge) = rig;
        Assert.True(await feed.AckedAsync(feed.Push(ChangeOps.PurgePath, "/unrelated")));
        await GetAsync(edge, "/kept?");
        await AssertHitAsync(edge, "/kept?");

        await feed.StopAsync();
        long head = 0;
        for (var i = 0; i < 5; i++)
        {
            head = feed.Push(ChangeOps.PurgePath, $"/gone/{i}");
        }

        feed.Compact(head);
        await feed.RestartAsync();

        Assert.True(await feed.AckedAsync(head), "the edge did not take the reset's head");
        await AssertMissAsync(edge, "/kept?");
        var next = feed.Push(ChangeOps.PurgePath, "/kept");
        Assert.True(await feed.AckedAsync(next));
        Assert.Equal(next, feed.Acks.Last().Applied);
    }

    [Fact]
    public async Task Acks_carry_applied_and_cache_stats_and_are_coalesced_one_at_a_time()
    {
        await using var rig = await StartAsync();
        var (feed, upstream, _, edge) = rig;
        await GetAsync(edge, "/counted");
        await AssertHitAsync(edge, "/counted");

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        feed.AckGate = gate;
        var before = feed.Acks.Count;
        long last = 0;
        for (var i = 0; i < 50; i++)
        {
            last = feed.Push(ChangeOps.PurgePath, $"/nothing/{i}");
        }

        feed.Heartbeat();
        gate.SetResult();
        feed.AckGate = null;
        Assert.True(await feed.AckedAsync(last));

        Assert.Equal(1, feed.MaxAcksInFlight);
        var acks = feed.Acks.Skip(before).ToList();
        Assert.True(acks.Count < 20, $"{acks.Count} acks for 50 changes and a heartbeat: not coalesced");
        Assert.Equal(acks.Select(a => a.Applied).Order(), acks.Select(a => a.Applied));
        var report = acks[^1];
        Assert.Equal(("edge-1", "test-region", last), (report.Id, report.Region, report.Applied));
        Assert.Equal(edge.Url.TrimEnd('/'), report.Endpoint);
        Assert.NotNull(report.Stats);
        Assert.True(report.Stats.Hits >= 1 && report.Stats.Misses >= 1 && report.Stats.Entries == 1 && report.Stats.Bytes > 0, report.Stats.ToString());

        // A heartbeat alone is acked too.
        var count = feed.Acks.Count;
        feed.Heartbeat();
        Assert.True(await Deadline.UntilAsync(() => Task.FromResult(feed.Acks.Count > count), Patience));
    }

    [Fact]
    public async Task A_response_whose_ETag_is_not_the_latest_put_is_not_stored_as_fresh()
    {
        await using var rig = await StartAsync();
        var (feed, upstream, content, edge) = rig;

        // The origin announced v2, but the upstream (a lagging replica, say) still serves v1.
        Assert.True(await feed.AckedAsync(feed.Push(ChangeOps.Put, "/lagging", VersionedContent.ETag(2))));
        Assert.Equal("/lagging v1", (await GetAsync(edge, "/lagging")).Body);
        var stored = Assert.Single((await CacheReportAsync(edge, "/lagging")).GetProperty("entries").EnumerateArray());
        Assert.True(stored.GetProperty("stale").GetBoolean());
        await AssertMissAsync(edge, "/lagging");

        content.Versions["/lagging"] = 2;
        Assert.Equal("/lagging v2", (await GetAsync(edge, "/lagging")).Body);
        await AssertHitAsync(edge, "/lagging");
    }

    [Fact]
    public async Task A_fetch_that_began_before_a_feed_purge_was_applied_is_not_stored_as_fresh()
    {
        await using var rig = await StartAsync();
        var (feed, upstream, content, edge) = rig;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        content.Blocked["/raced"] = gate;

        var first = GetAsync(edge, "/raced");
        await content.Arrived.GetOrAdd("/raced", _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(Patience);

        // The upstream has answered (in its own mind) with v1; then the origin purges and the edge applies it.
        Assert.True(await feed.AckedAsync(feed.Push(ChangeOps.PurgePath, "/raced")));
        content.Blocked.TryRemove("/raced", out _);
        content.Versions["/raced"] = 2;
        gate.SetResult();
        Assert.Equal("/raced v1", (await first).Body);

        var (body, status) = await GetAsync(edge, "/raced");
        Assert.Equal("/raced v2", body);
        Assert.Contains("fwd=stale", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task While_the_feed_is_silent_every_hit_is_revalidated_and_says_so_until_the_feed_is_back()
    {
        var clock = new ManualClock();
        await using var rig = await StartAsync(clock, null, ("Edge:MaxFeedSilence", "00:00:10"));
        var (feed, upstream, _, edge) = rig;
        await GetAsync(edge, "/quiet");
        await AssertHitAsync(edge, "/quiet");

        clock.Advance(TimeSpan.FromSeconds(11));
        var requests = upstream.Requests;
        var (body, status) = await GetAsync(edge, "/quiet");
        Assert.Equal("/quiet v1", body);
        Assert.Contains("fwd=stale; fwd-status=304; stored; detail=feed-silent", status, StringComparison.Ordinal);
        Assert.Equal(requests + 1, upstream.Requests);
        Assert.Equal("\"v1\"", upstream.SeenHeaders.Last().IfNoneMatch.ToString());

        var acks = feed.Acks.Count;
        feed.Heartbeat();
        Assert.True(await Deadline.UntilAsync(() => Task.FromResult(feed.Acks.Count > acks), Patience));
        await AssertHitAsync(edge, "/quiet");
        Assert.Equal(requests + 1, upstream.Requests);
    }

    [Fact]
    public async Task Before_the_feed_ever_connects_it_counts_as_silent_after_MaxFeedSilence_from_start()
    {
        var clock = new ManualClock();
        await using var upstream = await TestUpstream.StaticAsync("static", "max-age=600");
        await using var edge = await TestEdge.InFrontOfAsync(upstream, clock,
            ("Edge:Origin", $"http://127.0.0.1:{Deadline.ClosedPort()}"), ("Edge:Token", "t"), ("Edge:MaxFeedSilence", "00:00:10"));
        await GetAsync(edge, "/early");
        await AssertHitAsync(edge, "/early");

        clock.Advance(TimeSpan.FromSeconds(11));
        var (_, status) = await GetAsync(edge, "/early");
        Assert.Contains("detail=feed-silent", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cache_report_lists_every_variant_of_a_path_and_needs_the_token()
    {
        await using var rig = await StartAsync();
        var (feed, upstream, _, edge) = rig;
        await GetAsync(edge, "/r");
        await GetAsync(edge, "/r?x=1");
        await GetAsync(edge, "/r/other");

        var report = await CacheReportAsync(edge, "/r");
        Assert.Equal("/r", report.GetProperty("path").GetString());
        var entries = report.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e =>
        {
            Assert.Equal("\"v1\"", e.GetProperty("eTag").GetString());
            Assert.False(e.GetProperty("stale").GetBoolean());
            Assert.InRange(e.GetProperty("ttlSeconds").GetInt64(), 590, 600);
            Assert.InRange(e.GetProperty("ageSeconds").GetInt64(), 0, 10);
            Assert.Equal(5, e.GetProperty("size").GetInt64());
        });
        Assert.Equal(new[] { "/r", "/r?x=1" }, entries.Select(e => new Uri(e.GetProperty("key").GetString()!).PathAndQuery).Order());
        Assert.Empty((await CacheReportAsync(edge, "/nothing")).GetProperty("entries").EnumerateArray());

        using (var anonymous = await edge.Client.GetAsync("/_edge/cache?path=/r"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        foreach (var bad in new[] { "/_edge/cache", "/_edge/cache?path=r", "/_edge/cache?path=/a&path=/b", "/_edge/cache?path=/a%00b" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, bad);
            request.Headers.Authorization = new("Bearer", ScriptedFeed.Token);
            using var response = await edge.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("path", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Replicate_mode_warms_from_the_manifest_and_fetches_every_put_under_its_prefixes()
    {
        var manifest = new ManifestReport(0, [new("/m/warm", VersionedContent.ETag(1), 8, "text/plain"), new("/elsewhere", VersionedContent.ETag(1), 10, "text/plain")]);
        await using var rig = await StartAsync(null, manifest, ("Edge:Replicate:0", "/m/"));
        var (feed, _, content, edge) = rig;

        Assert.True(await Deadline.UntilAsync(async () => (await CacheReportAsync(edge, "/m/warm")).GetProperty("entries").GetArrayLength() == 1, Patience),
            "the edge did not warm from the manifest");
        await AssertHitAsync(edge, "/m/warm");
        Assert.Empty((await CacheReportAsync(edge, "/elsewhere")).GetProperty("entries").EnumerateArray());

        content.Versions["/m/new"] = 3;
        feed.Push(ChangeOps.Put, "/outside", VersionedContent.ETag(1));
        Assert.True(await feed.AckedAsync(feed.Push(ChangeOps.Put, "/m/new", VersionedContent.ETag(3))));
        Assert.True(await Deadline.UntilAsync(async () => (await CacheReportAsync(edge, "/m/new")).GetProperty("entries").GetArrayLength() == 1, Patience),
            "the edge did not fetch the put");
        var (body, status) = await GetAsync(edge, "/m/new");
        Assert.Equal("/m/new v3", body);
        Assert.Contains("; hit", status, StringComparison.Ordinal);
        Assert.Empty((await CacheReportAsync(edge, "/outside")).GetProperty("entries").EnumerateArray());
    }

    [Fact]
    public async Task A_refused_token_is_logged_and_retried()
    {
        await using var feed = await ScriptedFeed.StartAsync();
        await using var upstream = await TestUpstream.StaticAsync("static");
        await using var edge = await TestEdge.InFrontOfAsync(upstream,
            ("Edge:Origin", feed.Url), ("Edge:Token", "wrong"), ("Edge:FeedReconnectDelay", "00:00:00.05"), ("Edge:FeedMaxReconnectDelay", "00:00:00.1"));

        Assert.True(await Deadline.UntilAsync(() => Task.FromResult(feed.FeedRequests.Count >= 2), Patience), "the edge did not retry");
        Assert.Contains(edge.Logs.Entries, e => e.Message.Contains("refused this edge's token (401)", StringComparison.Ordinal));
        Assert.Empty(feed.Acks);
    }
}
