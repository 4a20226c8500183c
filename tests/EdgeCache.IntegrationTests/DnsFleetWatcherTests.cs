using System.Net;
using EdgeCache.Dns.Answering;
using EdgeCache.Dns.Fleet;
using EdgeCache.Dns.Hosting;
using EdgeCache.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.IntegrationTests;

/// <summary>The DNS server's view of the fleet, read from a real origin with real edges on 127.0.r.e.</summary>
public sealed class DnsFleetWatcherTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Every_connected_edge_is_answered_with_its_address_and_port_and_one_that_stops_leaves_within_seconds()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 2, edgesPerRegion: 2);
        var leaving = await TestFleet.StartEdgeAsync(fleet.Origin, "ap-south", 3, 1);
        try
        {
            await fleet.WaitUntilConnectedAsync();
            await using var watcher = await Watcher.StartAsync(fleet.Origin.Url, TestOrigin.Token, refresh: TimeSpan.FromMilliseconds(100));
            using (var first = new CancellationTokenSource(Within))
            {
                await watcher.View.WaitForFirstAsync(first.Token);
            }

            // The edges' own URLs (http://127.0.r.e:port) are the endpoints they report.
            var expected = fleet.Edges.Select(e => e.Edge.Url).Append(leaving.Edge.Url).Select(url => new Uri(url).Authority).Order(StringComparer.Ordinal).ToList();
            Assert.True(
                await Deadline.UntilAsync(
                    () => Task.FromResult(watcher.View.Current.Healthy.Select(e => $"{e.Address}:{e.Port}").Order(StringComparer.Ordinal).SequenceEqual(expected)),
                    Within),
                $"healthy: {Describe(watcher.View.Current)}");
            Assert.Contains(new DnsEdge("eu-west-2", "eu-west", IPAddress.Parse("127.0.2.2"), new Uri(fleet.Edges.Single(e => e.Id == "eu-west-2").Edge.Url).Port), watcher.View.Current.Healthy);
            Assert.Equal(["ap-south", "eu-west", "us-east"], watcher.View.Current.Regions);

            await leaving.DisposeAsync();
            leaving = null;

            Assert.True(
                await Deadline.UntilAsync(() => Task.FromResult(watcher.View.Current.Healthy.All(e => e.Region != "ap-south")), TimeSpan.FromSeconds(10)),
                $"healthy: {Describe(watcher.View.Current)}");
            Assert.Equal(4, watcher.View.Current.Healthy.Count);
            // A region whose edges are all down is still a region.
            Assert.Equal(["ap-south", "eu-west", "us-east"], watcher.View.Current.Regions);
            Assert.Empty(watcher.Logs.Entries);
        }
        finally
        {
            if (leaving is not null)
            {
                await leaving.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_wrong_token_leaves_the_fleet_empty_and_logs_one_error_about_the_token()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 1, edgesPerRegion: 1);
        await using var watcher = Watcher.Create(fleet.Origin.Url, "not-the-token");

        for (var i = 0; i < 3; i++)
        {
            Assert.False(await watcher.View.RefreshAsync(CancellationToken.None));
        }

        Assert.Same(FleetSnapshot.Empty, watcher.View.Current);
        var (_, level, message) = Assert.Single(watcher.Logs.Entries);
        Assert.Equal(LogLevel.Error, level);
        Assert.Contains("refused the token (401", message);
        Assert.Contains("--token", message);
        Assert.False(watcher.View.WaitForFirstAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task When_the_origin_goes_down_the_last_fleet_is_kept_and_one_warning_logged()
    {
        var origin = await TestOrigin.StartAsync();
        var originStopped = false;
        await using var edge = await TestFleet.StartEdgeAsync(origin, "eu-west", 2, 1);
        try
        {
            await using var watcher = Watcher.Create(origin.Url, TestOrigin.Token);
            Assert.True(await Deadline.UntilAsync(
                async () => await watcher.View.RefreshAsync(CancellationToken.None) && watcher.View.Current.Healthy.Count == 1,
                Within));
            var before = watcher.View.Current;

            await origin.DisposeAsync();
            originStopped = true;
            for (var i = 0; i < 3; i++)
            {
                Assert.False(await watcher.View.RefreshAsync(CancellationToken.None));
            }

            Assert.Same(before, watcher.View.Current);
            Assert.Equal("eu-west-1", Assert.Single(watcher.View.Current.Healthy).Id);
            var (_, level, message) = Assert.Single(watcher.Logs.Entries);
            Assert.Equal(LogLevel.Warning, level);
            Assert.StartsWith($"Cannot read the fleet from {origin.Url}/", message);
            Assert.Contains("answering with the last fleet read (1 edges)", message);
        }
        finally
        {
            if (!originStopped)
            {
                await origin.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task An_origin_that_does_not_answer_in_time_is_a_failed_read_and_the_fleet_is_back_when_it_answers()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 1, edgesPerRegion: 2);
        await using var relay = TcpRelay.Start(fleet.Origin.Url);
        await using var watcher = Watcher.Create(relay.Url, TestOrigin.Token, timeout: TimeSpan.FromMilliseconds(500));
        Assert.True(await watcher.View.RefreshAsync(CancellationToken.None));
        Assert.Equal(2, watcher.View.Current.Healthy.Count);

        relay.Stall();
        Assert.False(await watcher.View.RefreshAsync(CancellationToken.None));
        Assert.False(await watcher.View.RefreshAsync(CancellationToken.None));
        Assert.Equal(2, watcher.View.Current.Healthy.Count);
        Assert.Contains("no answer within 00:00:00.5", Assert.Single(watcher.Logs.Entries).Message);

        relay.Restore();
        Assert.True(await Deadline.UntilAsync(() => watcher.View.RefreshAsync(CancellationToken.None), Within));

        // A new streak of failures is reported again.
        relay.Cut();
        Assert.False(await watcher.View.RefreshAsync(CancellationToken.None));
        Assert.Equal(2, watcher.Logs.Entries.Count);
        Assert.Equal(2, watcher.View.Current.Healthy.Count);
    }

    [Fact]
    public async Task An_edge_with_a_host_name_endpoint_is_left_out_with_one_warning()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 1, edgesPerRegion: 1);
        await using var named = await TestFleet.StartEdgeAsync(fleet.Origin, "eu-west", 2, 1, ("Edge:PublicEndpoint", "http://eu-west-1.example.test:8080"));
        await fleet.WaitUntilConnectedAsync();
        await using var watcher = Watcher.Create(fleet.Origin.Url, TestOrigin.Token);
        Assert.True(await Deadline.UntilAsync(
            async () => await watcher.View.RefreshAsync(CancellationToken.None) && watcher.View.Current.Regions.Count == 2,
            Within));

        for (var i = 0; i < 3; i++)
        {
            Assert.True(await watcher.View.RefreshAsync(CancellationToken.None));
        }

        Assert.Equal(["us-east-1"], watcher.View.Current.Healthy.Select(e => e.Id));
        Assert.Equal(["eu-west", "us-east"], watcher.View.Current.Regions);
        var (_, level, message) = Assert.Single(watcher.Logs.Entries);
        Assert.Equal(LogLevel.Warning, level);
        Assert.Contains("Edge eu-west-1 (region eu-west) is left out", message);
        Assert.Contains("http://eu-west-1.example.test:8080", message);
    }

    private static string Describe(FleetSnapshot snapshot)
        => string.Join(", ", snapshot.Healthy.Select(e => $"{e.Id}={e.Address}:{e.Port}"));

    /// <summary>A fleet watcher on the system clock with its warnings and errors collected; started (its refresh loop) or driven by hand.</summary>
    private sealed class Watcher : IAsyncDisposable
    {
        private readonly ILoggerFactory _loggers;
        private bool _started;

        private Watcher(FleetWatcher view, LogCollector logs, ILoggerFactory loggers)
        {
            View = view;
            Logs = logs;
            _loggers = loggers;
        }

        public FleetWatcher View { get; }

        public LogCollector Logs { get; }

        public static Watcher Create(string origin, string token, TimeSpan? refresh = null, TimeSpan? timeout = null)
        {
            var logs = new LogCollector();
            var loggers = LoggerFactory.Create(logging => logging.AddProvider(logs));
            var options = new DnsOptions
            {
                Origin = origin,
                Token = token,
                FleetRefresh = refresh ?? TimeSpan.FromSeconds(2),
                FleetTimeout = timeout ?? TimeSpan.FromSeconds(5),
            };
            return new Watcher(new FleetWatcher(Options.Create(options), TimeProvider.System, loggers.CreateLogger<FleetWatcher>()), logs, loggers);
        }

        public static async Task<Watcher> StartAsync(string origin, string token, TimeSpan refresh)
        {
            var watcher = Create(origin, token, refresh);
            await watcher.View.StartAsync(CancellationToken.None);
            watcher._started = true;
            return watcher;
        }

        public async ValueTask DisposeAsync()
        {
            if (_started)
            {
                await View.StopAsync(CancellationToken.None);
            }

            View.Dispose();
            _loggers.Dispose();
        }
    }
}
