using EdgeCache.Replication.Fleet;
using EdgeCache.Replication.Tests.Changes;

namespace EdgeCache.Replication.Tests.Fleet;

public sealed class FleetRegistryTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly ManualTime _time = new(new DateTimeOffset(2026, 11, 22, 1, 2, 3, TimeSpan.Zero));
    private readonly FleetRegistry _fleet;

    public FleetRegistryTests() => _fleet = new FleetRegistry(_time, Interval);

    [Fact]
    public void A_feed_connect_registers_the_edge_and_acks_only_raise_its_applied_seq()
    {
        using var stream = _fleet.Connect("e1", "eu-west", "http://127.0.0.1:9/", 5);
        _fleet.Ack(Ack("e1", 3, region: "eu-west"));
        var afterLower = Edge("e1", head: 10);
        _time.Advance(TimeSpan.FromSeconds(1));
        _fleet.Ack(Ack("e1", 8, new CacheCounters(7, 2, 4, 1000), "eu-west"));
        var edge = Edge("e1", head: 10);

        Assert.Equal(5, afterLower.Applied);
        Assert.Equal(8, edge.Applied);
        Assert.Equal(2, edge.Lag);
        Assert.True(edge.Connected);
        Assert.Equal("eu-west", edge.Region);
        Assert.Equal("http://127.0.0.1:9/", edge.Endpoint);
        Assert.Equal(_time.GetUtcNow(), edge.LastSeen);
        Assert.Equal((7, 2, 4, 1000), (edge.Hits, edge.Misses, edge.Entries, edge.Bytes));
    }

    [Fact]
    public void A_restarted_edge_lowers_its_applied_seq_by_reconnecting()
    {
        _fleet.Connect("e1", "eu", null, 8).Dispose();
        using var again = _fleet.Connect("e1", "eu", null, 2);

        Assert.Equal(2, Edge("e1", head: 8).Applied);
    }

    [Fact]
    public void An_edge_unseen_for_three_heartbeats_is_disconnected_until_it_acks_again()
    {
        using var stream = _fleet.Connect("e1", "eu", null, 0);
        _time.Advance(Interval * 3);
        var atLimit = Edge("e1").Connected;
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var past = Edge("e1").Connected;
        _fleet.Ack(Ack("e1", 0));

        Assert.True(atLimit);
        Assert.False(past);
        Assert.True(Edge("e1").Connected);
    }

    [Fact]
    public void Closing_the_feed_disconnects_at_once_but_an_older_stream_closing_leaves_a_newer_one()
    {
        var first = _fleet.Connect("e1", "eu", null, 0);
        var second = _fleet.Connect("e1", "eu", null, 0);
        first.Dispose();
        first.Dispose();
        var whileSecondOpen = Edge("e1").Connected;
        second.Dispose();

        Assert.True(whileSecondOpen);
        Assert.False(Edge("e1").Connected);
    }

    [Fact]
    public void An_edge_that_only_acked_is_known_but_not_connected()
    {
        _fleet.Ack(Ack("e1", 4));

        var edge = Edge("e1", head: 4);
        Assert.False(edge.Connected);
        Assert.Equal(0, edge.Lag);
    }

    [Fact]
    public void The_report_is_sorted_by_region_then_id()
    {
        _fleet.Ack(Ack("b", 0, region: "us"));
        _fleet.Ack(Ack("c", 0, region: "eu"));
        _fleet.Ack(Ack("a", 0, region: "us"));

        var report = _fleet.Report(7);
        Assert.Equal(7, report.Head);
        Assert.Equal(["c", "a", "b"], report.Edges.Select(e => e.Id));
    }

    [Fact]
    public async Task A_wait_ends_when_every_connected_edge_applied_the_seq()
    {
        using var one = _fleet.Connect("e1", "eu", null, 0);
        using var two = _fleet.Connect("e2", "us", null, 0);
        _fleet.Ack(Ack("bystander", 0));
        var wait = _fleet.WaitForAsync(5, TimeSpan.FromSeconds(5), CancellationToken.None);

        _fleet.Ack(Ack("e1", 5));
        var afterOne = wait.IsCompleted;
        _fleet.Ack(Ack("e2", 6));
        var report = await wait.WaitAsync(Patience);

        Assert.False(afterOne);
        Assert.Equal(5, report.Seq);
        Assert.Equal(["e1", "e2"], report.Acked);
        Assert.Empty(report.Pending);
    }

    [Fact]
    public async Task A_wait_times_out_naming_the_edges_that_did_not_apply_the_seq()
    {
        using var one = _fleet.Connect("e1", "eu", null, 0);
        using var two = _fleet.Connect("e2", "us", null, 0);
        _fleet.Ack(Ack("e1", 5));
        var wait = _fleet.WaitForAsync(5, TimeSpan.FromSeconds(5), CancellationToken.None);

        _time.Advance(TimeSpan.FromSeconds(4));
        var early = wait.IsCompleted;
        _time.Advance(TimeSpan.FromSeconds(1));
        var report = await wait.WaitAsync(Patience);

        Assert.False(early);
        Assert.Equal(["e1"], report.Acked);
        Assert.Equal(["e2"], report.Pending);
    }

    [Fact]
    public async Task An_edge_that_disconnects_during_the_wait_is_pending()
    {
        using var one = _fleet.Connect("e1", "eu", null, 0);
        var wait = _fleet.WaitForAsync(1, TimeSpan.FromMinutes(1), CancellationToken.None);

        one.Dispose();
        var report = await wait.WaitAsync(Patience);

        Assert.Empty(report.Acked);
        Assert.Equal(["e1"], report.Pending);
    }

    [Fact]
    public async Task A_wait_with_no_connected_edges_ends_at_once()
    {
        _fleet.Ack(Ack("e1", 0));

        var report = await _fleet.WaitForAsync(3, TimeSpan.FromSeconds(5), CancellationToken.None).WaitAsync(Patience);

        Assert.Empty(report.Acked);
        Assert.Empty(report.Pending);
    }

    private EdgeReport Edge(string id, long head = 0) => Assert.Single(_fleet.Report(head).Edges, e => e.Id == id);

    [Fact]
    public async Task A_wait_on_this_origin_ends_when_a_peer_reports_that_its_edge_applied_the_seq()
    {
        using var local = _fleet.Connect("here", "eu", null, 9);
        _fleet.MergePeers([new EdgeObservation("there", "us", "http://127.0.1.2:80", 9, _time.GetUtcNow(), 1, null)]);
        Assert.True(Edge("there", head: 9).Connected);

        var waiting = _fleet.WaitForAsync(10, Patience, CancellationToken.None);
        _fleet.Ack(Ack("here", 10));
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        _fleet.MergePeers([new EdgeObservation("there", "us", "http://127.0.1.2:80", 10, _time.GetUtcNow(), 1, new CacheCounters(1, 2, 3, 4))]);

        var report = await waiting.WaitAsync(Patience);
        Assert.Equal(["here", "there"], report.Acked);
        Assert.Empty(report.Pending);
        Assert.Equal(1, Edge("there", head: 10).Hits);
    }

    [Fact]
    public void A_peer_observation_counts_while_fresh_and_an_older_one_changes_nothing()
    {
        _fleet.Ack(Ack("e1", 7));
        _fleet.MergePeers([new EdgeObservation("e1", "eu", null, 3, _time.GetUtcNow() - TimeSpan.FromSeconds(1), 1, null)]);

        var edge = Edge("e1", head: 10);
        Assert.Equal(7, edge.Applied);
        Assert.True(edge.Connected);

        // The origin that had its stream died and its report went stale; another origin saw the edge
        // just now without a stream: the edge is seen, but its dead origin's stream no longer counts.
        _time.Advance(Interval * FleetRegistry.MissedHeartbeats + TimeSpan.FromSeconds(1));
        _fleet.MergePeers(
        [
            new EdgeObservation("e1", "eu", null, 3, _time.GetUtcNow() - Interval * 10, 1, null),
            new EdgeObservation("e1", "eu", null, 8, _time.GetUtcNow(), 0, null),
        ]);
        edge = Edge("e1", head: 10);
        Assert.Equal(8, edge.Applied);
        Assert.False(edge.Connected);
    }

    [Fact]
    public void Observations_are_what_this_origin_saw_itself_and_each_one_is_announced()
    {
        var announced = 0;
        _fleet.Observed += () => announced++;
        using (_fleet.Connect("mine", "eu", null, 4))
        {
            _fleet.Ack(Ack("mine", 5));
        }

        _fleet.MergePeers([new EdgeObservation("theirs", "us", null, 9, _time.GetUtcNow(), 1, null)]);

        var observed = Assert.Single(_fleet.Observations());
        Assert.Equal(("mine", 5L, 0), (observed.Id, observed.Applied, observed.OpenStreams));
        Assert.Equal(3, announced);
        Assert.Equal(2, _fleet.Report(9).Edges.Count);
    }

    private static AckReport Ack(string id, long applied, CacheCounters? stats = null, string region = "eu")
        => new(id, region, null, applied, stats);
}
