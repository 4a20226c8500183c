using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using EdgeCache.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.IntegrationTests;

/// <summary>The origin's side of replication over real Kestrel: the feed, acks, the fleet, ?wait=all, status, manifest.</summary>
public sealed class OriginFeedTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Resuming_from_a_last_event_id_sends_exactly_the_later_changes_in_order()
    {
        await using var origin = await TestOrigin.StartAsync();
        for (var i = 1; i <= 5; i++)
        {
            await origin.PutAsync($"/f{i}.txt", $"body {i}");
        }

        await using var edge = await FeedReader.ConnectAsync(origin, "e1", lastEventId: 2);
        var received = new List<SseItem<string>> { await edge.NextAsync(FeedProtocolEvents.Change), await edge.NextAsync(FeedProtocolEvents.Change), await edge.NextAsync(FeedProtocolEvents.Change) };
        await origin.PutAsync("/f6.txt", "body 6");
        received.Add(await edge.NextAsync(FeedProtocolEvents.Change));

        Assert.Equal(["3", "4", "5", "6"], received.Select(e => e.EventId));
        Assert.Equal(["/f3.txt", "/f4.txt", "/f5.txt", "/f6.txt"], received.Select(e => Data(e).GetProperty("path").GetString()));
        Assert.All(received, e => Assert.Equal("put", Data(e).GetProperty("op").GetString()));
    }

    [Fact]
    public async Task Without_a_last_event_id_the_feed_starts_with_a_reset_to_the_head()
    {
        await using var origin = await TestOrigin.StartAsync();
        await origin.PutAsync("/old.txt", "old");
        await origin.PutAsync("/older.txt", "older");

        await using var edge = await FeedReader.ConnectAsync(origin, "e1");
        var first = await edge.NextAsync();
        await origin.PutAsync("/new.txt", "new");
        var change = await edge.NextAsync(FeedProtocolEvents.Change);

        Assert.Equal("text/event-stream", edge.ContentType);
        Assert.Equal(FeedProtocolEvents.Reset, first.EventType);
        Assert.Equal("2", first.EventId);
        Assert.Equal(2, Data(first).GetProperty("head").GetInt64());
        Assert.Equal("3", change.EventId);
        Assert.Equal("/new.txt", Data(change).GetProperty("path").GetString());
    }

    [Fact]
    public async Task A_last_event_id_below_the_low_water_mark_gets_a_reset_to_the_head()
    {
        await using var origin = await TestOrigin.StartAsync(null, ("Origin:Log:Retain", "2"), ("Origin:Log:SegmentBytes", "1"), ("Origin:MaintenanceInterval", "00:00:00.05"));
        for (var i = 1; i <= 6; i++)
        {
            await origin.PutAsync($"/f{i}.txt", $"body {i}");
        }

        // Compaction runs every 50 ms, also between the puts: wait for the one that keeps only 5 and 6.
        const long lowWaterMark = 5;
        Assert.True(await Deadline.UntilAsync(async () => (await origin.ChangesAsync()).GetProperty("lowWaterMark").GetInt64() == lowWaterMark, Patience));

        await using var edge = await FeedReader.ConnectAsync(origin, "e1", lastEventId: 1);
        var reset = await edge.NextAsync();
        await origin.PutAsync("/f7.txt", "body 7");
        var change = await edge.NextAsync(FeedProtocolEvents.Change);

        Assert.Equal(FeedProtocolEvents.Reset, reset.EventType);
        Assert.Equal("6", reset.EventId);
        Assert.Equal(6, Data(reset).GetProperty("head").GetInt64());
        Assert.Equal(lowWaterMark, Data(reset).GetProperty("lowWaterMark").GetInt64());
        Assert.Equal("7", change.EventId);
    }

    [Fact]
    public async Task Heartbeats_arrive_every_interval()
    {
        await using var origin = await TestOrigin.StartAsync(null, ("Origin:HeartbeatInterval", "00:00:00.1"));
        await origin.PutAsync("/a.txt", "a");

        await using var edge = await FeedReader.ConnectAsync(origin, "e1", lastEventId: 1);
        var beats = new List<SseItem<string>>();
        for (var i = 0; i < 4; i++)
        {
            beats.Add(await edge.NextAsync());
        }

        Assert.All(beats, b => Assert.Equal(FeedProtocolEvents.Heartbeat, b.EventType));
        Assert.All(beats, b => Assert.Equal(1, Data(b).GetProperty("head").GetInt64()));
    }

    [Fact]
    public async Task A_stalled_subscriber_delays_neither_another_subscriber_nor_a_put()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var stalled = await FeedReader.ConnectAsync(origin, "stalled");
        await using var reading = await FeedReader.ConnectAsync(origin, "reading");

        // Far more than the loopback socket buffers hold, so the stalled feed's writes block.
        var prefix = "/" + new string('x', 1000) + "/";
        for (var round = 0; round < 6; round++)
        {
            using var purge = await origin.Admin.PostAsJsonAsync("/_admin/purge", new { paths = Enumerable.Range(0, 4000).Select(i => $"{prefix}{round}-{i}").ToArray() });
            purge.EnsureSuccessStatusCode();
        }

        var put = origin.PutAsync("/after.txt", "after");
        Assert.Equal(24_001, await put.WaitAsync(Patience));
        var last = await reading.NextAsync(e => e.EventId == "24001", Patience);
        Assert.Equal("/after.txt", Data(last).GetProperty("path").GetString());
    }

    [Fact]
    public async Task Feed_ack_and_manifest_need_the_token()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var disabled = await TestOrigin.StartAsync(null, ("Origin:Token", null));

        using var noToken = await origin.Client.SendAsync(FeedRequest("e1", "eu"));
        using var wrongFeed = FeedRequest("e1", "eu");
        wrongFeed.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "wrong");
        using var wrong = await origin.Client.SendAsync(wrongFeed);
        using var wrongAck = await origin.Client.PostAsJsonAsync("/_replication/ack", new { id = "e1", region = "eu", applied = 0 });
        using var wrongManifest = await origin.Client.GetAsync("/_replication/manifest");
        var disabledFeed = FeedRequest("e1", "eu");
        disabledFeed.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestOrigin.Token);
        using var off = await disabled.Client.SendAsync(disabledFeed);

        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongAck.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongManifest.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, off.StatusCode);
        Assert.Empty((await FleetAsync(origin)).GetProperty("edges").EnumerateArray());
    }

    [Theory]
    [InlineData(null, "eu", null, null)]
    [InlineData("e1", null, null, null)]
    [InlineData("e 1", "eu", null, null)]
    [InlineData("e1", "eu/west", null, null)]
    [InlineData("e1", "eu", "ftp://edge", null)]
    [InlineData("e1", "eu", "not a url", null)]
    [InlineData("e1", "eu", null, "-1")]
    [InlineData("e1", "eu", null, "abc")]
    public async Task Bad_feed_headers_are_400_and_register_nothing(string? id, string? region, string? endpoint, string? lastEventId)
    {
        await using var origin = await TestOrigin.StartAsync();

        using var request = FeedRequest(id, region, endpoint, lastEventId);
        using var response = await origin.Admin.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotEmpty((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!);
        Assert.Empty((await FleetAsync(origin)).GetProperty("edges").EnumerateArray());
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("""{"id":"e 1","region":"eu","applied":1}""")]
    [InlineData("""{"id":"e1","region":"","applied":1}""")]
    [InlineData("""{"id":"e1","region":"eu","applied":-1}""")]
    [InlineData("""{"id":"e1","region":"eu","endpoint":"nope","applied":1}""")]
    public async Task Bad_acks_are_400_and_change_nothing(string body)
    {
        await using var origin = await TestOrigin.StartAsync();

        using var response = await origin.Admin.PostAsync("/_replication/ack", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty((await FleetAsync(origin)).GetProperty("edges").EnumerateArray());
    }

    [Fact]
    public async Task Acks_update_the_fleet()
    {
        await using var origin = await TestOrigin.StartAsync();
        for (var i = 1; i <= 4; i++)
        {
            await origin.PutAsync($"/f{i}.txt", "x");
        }

        await using var edge = await FeedReader.ConnectAsync(origin, "e1", "us-east", lastEventId: 1, endpoint: "http://127.0.0.1:1/");
        await using var other = await FeedReader.ConnectAsync(origin, "e0", "us-east");
        await using var europe = await FeedReader.ConnectAsync(origin, "z9", "eu-west");
        var before = Edge(await FleetAsync(origin), "e1");
        await edge.AckAsync(3, new { hits = 10, misses = 2, entries = 3, bytes = 4096 });
        var fleet = await FleetAsync(origin);
        var after = Edge(fleet, "e1");

        Assert.Equal(1, before.GetProperty("applied").GetInt64());
        Assert.Equal(3, before.GetProperty("lag").GetInt64());
        Assert.Equal(4, fleet.GetProperty("head").GetInt64());
        Assert.Equal(["z9", "e0", "e1"], fleet.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(3, after.GetProperty("applied").GetInt64());
        Assert.Equal(1, after.GetProperty("lag").GetInt64());
        Assert.True(after.GetProperty("connected").GetBoolean());
        Assert.Equal("us-east", after.GetProperty("region").GetString());
        Assert.Equal("http://127.0.0.1:1/", after.GetProperty("endpoint").GetString());
        Assert.Equal(10, after.GetProperty("hits").GetInt64());
        Assert.Equal(2, after.GetProperty("misses").GetInt64());
        Assert.Equal(3, after.GetProperty("entries").GetInt64());
        Assert.Equal(4096, after.GetProperty("bytes").GetInt64());
        Assert.Equal(0, Edge(fleet, "e0").GetProperty("lag").GetInt64());
    }

    [Fact]
    public async Task An_edge_that_stops_acking_is_disconnected_after_three_heartbeats()
    {
        await using var origin = await TestOrigin.StartAsync(null, ("Origin:HeartbeatInterval", "00:00:00.25"));
        await using var edge = await FeedReader.ConnectAsync(origin, "e1");
        var connectedAtFirst = Edge(await FleetAsync(origin), "e1").GetProperty("connected").GetBoolean();

        // It keeps reading (its stream is open) but never acks.
        var silent = Deadline.UntilAsync(async () => !Edge(await FleetAsync(origin), "e1").GetProperty("connected").GetBoolean(), Patience);
        var reading = edge.NextAsync(e => false, Patience);
        var disconnected = await silent;
        await edge.AckAsync(0);

        Assert.True(connectedAtFirst);
        Assert.True(disconnected);
        Assert.False(reading.IsFaulted);
        Assert.True(Edge(await FleetAsync(origin), "e1").GetProperty("connected").GetBoolean());
    }

    [Fact]
    public async Task Closing_the_feed_marks_the_edge_disconnected_at_once()
    {
        // Three missed heartbeats would take 90 s: only the stream's end can disconnect it in time.
        await using var origin = await TestOrigin.StartAsync(null, ("Origin:HeartbeatInterval", "00:00:30"));
        var edge = await FeedReader.ConnectAsync(origin, "e1");
        Assert.True(Edge(await FleetAsync(origin), "e1").GetProperty("connected").GetBoolean());

        await edge.DisposeAsync();
        Assert.True(await Deadline.UntilAsync(async () => !Edge(await FleetAsync(origin), "e1").GetProperty("connected").GetBoolean(), Patience));
    }

    [Fact]
    public async Task Wait_all_answers_200_once_every_connected_edge_acked()
    {
        await using var origin = await TestOrigin.StartAsync();
        await origin.PutAsync("/gone.txt", "x");
        await using var edge = await FeedReader.ConnectAsync(origin, "e1");
        edge.AckEveryChange();

        using var put = await origin.Admin.PutAsync("/_admin/content/a.txt?wait=all&timeout=5s", new StringContent("a"));
        var putReport = await put.Content.ReadFromJsonAsync<JsonElement>();
        using var begun = await origin.Admin.PostAsJsonAsync("/_admin/publish", new { deletes = new[] { "/gone.txt" } });
        var batch = (await begun.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("batch").GetString();
        using var commit = await origin.Admin.PostAsync($"/_admin/publish/{batch}/commit?wait=all&timeout=5s", null);
        var commitReport = await commit.Content.ReadFromJsonAsync<JsonElement>();
        using var plain = await origin.Admin.PutAsync("/_admin/content/b.txt", new StringContent("b"));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(2, putReport.GetProperty("seq").GetInt64());
        Assert.Equal(["e1"], putReport.GetProperty("acked").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(putReport.GetProperty("pending").EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, commit.StatusCode);
        Assert.Equal(3, commitReport.GetProperty("seq").GetInt64());
        Assert.Equal(1, commitReport.GetProperty("changes").GetInt32());
        Assert.Equal(0, commitReport.GetProperty("unchanged").GetInt32());
        Assert.Equal(["e1"], commitReport.GetProperty("acked").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("""{"seq":4}""", await plain.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Wait_all_answers_202_naming_an_edge_that_never_acks()
    {
        await using var origin = await TestOrigin.StartAsync();
        await origin.PutAsync("/a.txt", "a");
        await using var acker = await FeedReader.ConnectAsync(origin, "acker");
        await using var silent = await FeedReader.ConnectAsync(origin, "silent");
        acker.AckEveryChange();

        using var purge = await origin.Admin.PostAsJsonAsync("/_admin/purge?wait=all&timeout=2s", new { paths = new[] { "/a.txt" } });
        var report = await purge.Content.ReadFromJsonAsync<JsonElement>();
        using var delete = await origin.Admin.DeleteAsync("/_admin/content/a.txt?wait=all&timeout=300ms");

        Assert.Equal(HttpStatusCode.Accepted, purge.StatusCode);
        Assert.Equal(2, report.GetProperty("seq").GetInt64());
        Assert.Equal(["acker"], report.GetProperty("acked").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["silent"], report.GetProperty("pending").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
    }

    [Fact]
    public async Task Status_asks_every_connected_edge_and_names_those_it_could_not_ask()
    {
        await using var origin = await TestOrigin.StartAsync();
        var seq = await origin.PutAsync("/img/a.png", "png bytes", "image/png");
        var etag = (await origin.Client.GetAsync("/img/a.png")).Headers.ETag!.Tag;
        await using var cacheEndpoint = await TestUpstream.StartAsync(async context =>
        {
            if (context.Request.Path != "/_edge/cache" || context.Request.Headers.Authorization != $"Bearer {TestOrigin.Token}")
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            await context.Response.WriteAsJsonAsync(new
            {
                path = context.Request.Query["path"].ToString(),
                entries = new[] { new { key = "GET /img/a.png", etag, ageSeconds = 12, ttlSeconds = 100, stale = false, size = 9 } },
            });
        });
        await using var reachable = await FeedReader.ConnectAsync(origin, "near", "eu", endpoint: cacheEndpoint.Url);
        await using var unreachable = await FeedReader.ConnectAsync(origin, "far", "us", endpoint: $"http://127.0.0.1:{Deadline.ClosedPort()}");

        var status = await origin.Admin.GetFromJsonAsync<JsonElement>("/_admin/status?path=/img/a.png");
        using var missing = await origin.Admin.GetAsync("/_admin/status");
        using var bad = await origin.Admin.GetAsync("/_admin/status?path=/a/../b");

        Assert.Equal("/img/a.png", status.GetProperty("path").GetString());
        Assert.Equal(etag, status.GetProperty("originETag").GetString());
        Assert.Equal(seq, status.GetProperty("head").GetInt64());
        var near = Edge(status, "near");
        Assert.True(near.GetProperty("stored").GetBoolean());
        Assert.Equal(etag, near.GetProperty("eTag").GetString());
        Assert.Equal(12, near.GetProperty("ageSeconds").GetInt64());
        Assert.Equal(100, near.GetProperty("ttlSeconds").GetInt64());
        Assert.False(near.GetProperty("stale").GetBoolean());
        Assert.False(near.TryGetProperty("error", out _));
        Assert.Equal($"Bearer {TestOrigin.Token}", Assert.Single(cacheEndpoint.SeenHeaders)["Authorization"].ToString());
        var far = Edge(status, "far");
        Assert.False(far.GetProperty("stored").GetBoolean());
        Assert.NotEmpty(far.GetProperty("error").GetString()!);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task The_manifest_lists_every_published_path_as_of_its_seq()
    {
        await using var origin = await TestOrigin.StartAsync();
        await origin.PutAsync("/b.css", "b{}", "text/css");
        await origin.PutAsync("/a.html", "<p>a</p>", "text/html");
        await origin.Admin.DeleteAsync("/_admin/content/b.css");
        await origin.PutAsync("/c.txt", "c");
        var etag = (await origin.Client.GetAsync("/a.html")).Headers.ETag!.Tag;

        var manifest = await origin.Admin.GetFromJsonAsync<JsonElement>("/_replication/manifest");

        Assert.Equal(4, manifest.GetProperty("seq").GetInt64());
        var items = manifest.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["/a.html", "/c.txt"], items.Select(i => i.GetProperty("path").GetString()));
        Assert.Equal(etag, items[0].GetProperty("eTag").GetString());
        Assert.Equal(8, items[0].GetProperty("size").GetInt64());
        Assert.Equal("text/html", items[0].GetProperty("contentType").GetString());
    }

    [Fact]
    public async Task A_put_reaches_the_feed_only_once_the_origin_serves_it()
    {
        await using var origin = await TestOrigin.StartAsync();
        await origin.PutAsync("/race.txt", "version 0");
        await using var edge = await FeedReader.ConnectAsync(origin, "e1");
        Assert.Equal(FeedProtocolEvents.Reset, (await edge.NextAsync()).EventType);

        // An edge in replicate mode fetches a path the moment its put arrives; the origin must
        // already serve that version, not the one before it (nor a 404 for a new path).
        for (var i = 1; i <= 20; i++)
        {
            var put = origin.PutAsync("/race.txt", $"version {i}");
            var change = await edge.NextAsync(FeedProtocolEvents.Change);
            using var served = await origin.Client.GetAsync("/race.txt");
            var fresh = origin.PutAsync($"/new-{i}.txt", "new");
            var created = await edge.NextAsync(FeedProtocolEvents.Change);
            using var servedNew = await origin.Client.GetAsync($"/new-{i}.txt");
            await put;
            await fresh;

            Assert.Equal(Data(change).GetProperty("etag").GetString(), served.Headers.ETag?.Tag);
            Assert.Equal($"version {i}", await served.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, servedNew.StatusCode);
            Assert.Equal(Data(created).GetProperty("etag").GetString(), servedNew.Headers.ETag?.Tag);
        }
    }

    private static JsonElement Data(SseItem<string> item) => JsonDocument.Parse(item.Data).RootElement;

    private static async Task<JsonElement> FleetAsync(TestOrigin origin) => await origin.Admin.GetFromJsonAsync<JsonElement>("/_admin/fleet");

    private static JsonElement Edge(JsonElement report, string id)
        => Assert.Single(report.GetProperty("edges").EnumerateArray(), e => e.GetProperty("id").GetString() == id);

    private static HttpRequestMessage FeedRequest(string? id, string? region, string? endpoint = null, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/_replication/feed");
        request.Headers.Accept.ParseAdd("text/event-stream");
        foreach (var (name, value) in new[] { ("X-Edge-Id", id), ("X-Edge-Region", region), ("X-Edge-Endpoint", endpoint), ("Last-Event-ID", lastEventId) })
        {
            if (value is not null)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }

    /// <summary>Event names of the feed, as an edge sees them on the wire.</summary>
    private static class FeedProtocolEvents
    {
        public const string Change = "change";
        public const string Heartbeat = "heartbeat";
        public const string Reset = "reset";
    }

    /// <summary>An edge's feed subscription: a raw HttpClient reading the stream with <see cref="SseParser"/>.</summary>
    private sealed class FeedReader : IAsyncDisposable
    {
        private readonly HttpClient _client;
        private readonly HttpResponseMessage _response;
        private readonly IAsyncEnumerator<SseItem<string>> _events;
        private readonly CancellationTokenSource _closed = new();
        private readonly string _id;
        private readonly string _region;
        private Task? _acking;

        private FeedReader(HttpClient client, HttpResponseMessage response, Stream stream, string id, string region)
        {
            _client = client;
            _response = response;
            _id = id;
            _region = region;
            _events = SseParser.Create(stream).EnumerateAsync(_closed.Token).GetAsyncEnumerator();
        }

        public string? ContentType => _response.Content.Headers.ContentType?.MediaType;

        public static async Task<FeedReader> ConnectAsync(TestOrigin origin, string id, string region = "eu", long? lastEventId = null, string? endpoint = null)
        {
            // No draining of an endless response on dispose: the connection closes at once, as when an edge goes away.
            var handler = new SocketsHttpHandler { MaxResponseDrainSize = 0 };
            var client = new HttpClient(handler) { BaseAddress = new Uri(origin.Url), Timeout = Timeout.InfiniteTimeSpan };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestOrigin.Token);
            using var request = FeedRequest(id, region, endpoint, lastEventId?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return new FeedReader(client, response, await response.Content.ReadAsStreamAsync(), id, region);
        }

        public async Task<SseItem<string>> NextAsync(TimeSpan? within = null)
        {
            Assert.True(await _events.MoveNextAsync().AsTask().WaitAsync(within ?? Patience), "the feed ended");
            return _events.Current;
        }

        /// <summary>The next event of <paramref name="type"/>, skipping others (heartbeats).</summary>
        public Task<SseItem<string>> NextAsync(string type) => NextAsync(e => e.EventType == type, Patience);

        public async Task<SseItem<string>> NextAsync(Func<SseItem<string>, bool> wanted, TimeSpan within)
        {
            using var limit = new CancellationTokenSource(within);
            while (!limit.IsCancellationRequested)
            {
                var next = await NextAsync(within);
                if (wanted(next))
                {
                    return next;
                }
            }

            throw new TimeoutException("the wanted event did not come");
        }

        public async Task AckAsync(long applied, object? stats = null)
        {
            using var response = await _client.PostAsJsonAsync("/_replication/ack", new { id = _id, region = _region, applied, stats });
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        /// <summary>Acks every change as it arrives, like an edge that applies at once; stops when disposed.</summary>
        public void AckEveryChange()
        {
            _acking = Task.Run(async () =>
            {
                while (await _events.MoveNextAsync())
                {
                    if (_events.Current.EventType == FeedProtocolEvents.Change)
                    {
                        await AckAsync(long.Parse(_events.Current.EventId!, System.Globalization.CultureInfo.InvariantCulture));
                    }
                }
            });
        }

        public async ValueTask DisposeAsync()
        {
            await _closed.CancelAsync();
            _response.Dispose();
            if (_acking is not null)
            {
                try
                {
                    await _acking;
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException or ObjectDisposedException)
                {
                    // Acking stops by failing to read the closed stream.
                }
            }

            _client.Dispose();
        }
    }
}
