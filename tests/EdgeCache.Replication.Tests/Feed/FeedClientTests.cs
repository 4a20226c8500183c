using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeCache.Replication.Feed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.Replication.Tests.Feed;

public sealed class FeedClientTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(5);

    [Fact]
    public void Backoff_doubles_up_to_the_maximum_with_full_jitter_and_restarts_after_a_success()
    {
        var backoff = new FeedBackoff(Initial, Max, () => 0.5);

        Assert.Equal(
            [50, 100, 200, 400, 800, 1600, 2500, 2500],
            Enumerable.Range(0, 8).Select(_ => backoff.Next().TotalMilliseconds));
        Assert.Equal(Max, backoff.Ceiling(1000));
        backoff.Reset();
        Assert.Equal(50, backoff.Next().TotalMilliseconds);

        var low = new FeedBackoff(Initial, Max, () => 0.0);
        Assert.Equal(TimeSpan.Zero, low.Next());
    }

    [Fact]
    public async Task Events_are_parsed_typed_and_sent_with_the_edges_headers()
    {
        var origin = new ScriptedOrigin(
            Stream("""
                event: heartbeat
                data: {"head":7}

                event: change
                id: 8
                data: {"seq":8,"op":"put","path":"/a","etag":"\"x\""}

                event: something-new
                data: ignored

                event: change
                id: 9
                data: {"seq":9,"op":"purge-tag","tags":["red"],"soft":true}

                """));
        var client = origin.Client();

        var events = await origin.TakeAsync(client, 4);

        Assert.Equal(new FeedEvent.Connected(null), events[0]);
        Assert.Equal(new FeedEvent.Heartbeat(7), events[1]);
        var put = Assert.IsType<FeedEvent.Change>(events[2]).Entry;
        Assert.Equal((8L, "put", "/a", "\"x\""), (put.Seq, put.Op, put.Path, put.ETag));
        var purge = Assert.IsType<FeedEvent.Change>(events[3]).Entry;
        Assert.Equal(("purge-tag", "red", true), (purge.Op, purge.Tags![0], purge.Soft));
        Assert.Equal(9, client.Applied);

        var request = origin.Requests.First();
        Assert.Equal("http://origin.test/base/_replication/feed", request.RequestUri!.ToString());
        Assert.Equal("Bearer t0ken", request.Headers.Authorization!.ToString());
        Assert.Equal("edge-7", request.Headers.GetValues(FeedProtocol.EdgeIdHeader).Single());
        Assert.Equal("eu", request.Headers.GetValues(FeedProtocol.EdgeRegionHeader).Single());
        Assert.Equal("http://edge.test", request.Headers.GetValues(FeedProtocol.EdgeEndpointHeader).Single());
        Assert.False(request.Headers.Contains(FeedProtocol.LastEventIdHeader));
    }

    [Fact]
    public async Task A_gap_is_a_protocol_error_and_the_client_resumes_after_its_last_applied_seq()
    {
        var origin = new ScriptedOrigin(
            Stream("""
                event: change
                data: {"seq":3,"op":"purge-all"}

                event: change
                data: {"seq":5,"op":"purge-all"}

                """),
            Stream("""
                event: change
                data: {"seq":4,"op":"purge-all"}

                """));
        var client = origin.Client();

        var events = await origin.TakeAsync(client, 4);

        Assert.Equal([3L, 4L], events.OfType<FeedEvent.Change>().Select(c => c.Entry.Seq));
        Assert.Equal(new FeedEvent.Connected(3), events[2]);
        Assert.Equal("3", origin.Requests.Last().Headers.GetValues(FeedProtocol.LastEventIdHeader).Single());
        Assert.Single(origin.Delays);
    }

    [Fact]
    public async Task Malformed_data_is_a_protocol_error()
    {
        var origin = new ScriptedOrigin(
            Stream("""
                event: change
                data: {"seq":1,"op":"purge-all"}

                event: change
                data: {not json

                """),
            Stream("""
                event: reset
                data: {"head":40,"lowWaterMark":30}

                """));
        var client = origin.Client();

        var events = await origin.TakeAsync(client, 4);

        Assert.Equal("1", origin.Requests.Last().Headers.GetValues(FeedProtocol.LastEventIdHeader).Single());
        Assert.Equal(new FeedEvent.Reset(40, 30), events[3]);
        Assert.Equal(40, client.Applied);
    }

    [Fact]
    public async Task Only_a_reset_after_a_position_is_a_warning_the_first_is_how_every_feed_starts()
    {
        var origin = new ScriptedOrigin(
            Stream("""
                event: reset
                id: 40
                data: {"head":40,"lowWaterMark":30}

                event: change
                id: 41
                data: {"seq":41,"op":"purge-all"}

                """),
            Stream("""
                event: reset
                id: 90
                data: {"head":90,"lowWaterMark":80}

                """));
        var logger = new WarningRecorder();
        var client = origin.Client(logger);

        var events = await origin.TakeAsync(client, 5);

        Assert.Equal([new FeedEvent.Reset(40, 30), new FeedEvent.Reset(90, 80)], events.OfType<FeedEvent.Reset>());
        // The end of the first stream is a warning of its own ("Lost the feed").
        var reset = Assert.Single(logger.Warnings, w => w.Contains("no longer has the changes", StringComparison.Ordinal));
        Assert.Contains("after 41", reset);
    }

    [Fact]
    public async Task Failures_back_off_exponentially_and_a_refused_token_waits_the_maximum()
    {
        var origin = new ScriptedOrigin(
            Status(HttpStatusCode.ServiceUnavailable),
            Status(HttpStatusCode.ServiceUnavailable),
            Status(HttpStatusCode.Unauthorized),
            Status(HttpStatusCode.ServiceUnavailable),
            Stream("""
                event: heartbeat
                data: {"head":1}

                """),
            Status(HttpStatusCode.ServiceUnavailable),
            Stream("""
                event: heartbeat
                data: {"head":1}

                """));
        var client = origin.Client();

        await origin.TakeAsync(client, 4);

        // 0.5 * 100 ms, 0.5 * 200 ms, then the maximum after the 401, then 0.5 * 400 ms; after the
        // connection that delivered an event the delays start again at 0.5 * 100 ms.
        Assert.Equal([50, 100, 5000, 200, 50, 100], origin.Delays.Select(d => d.TotalMilliseconds));
    }

    [Fact]
    public async Task With_several_origins_a_failed_reconnect_moves_to_the_next_at_once_and_resumes_there()
    {
        var origin = new ScriptedOrigin(
            Stream("""
                event: change
                id: 1
                data: {"seq":1,"op":"purge-all"}

                """),
            Status(HttpStatusCode.BadGateway),
            Stream("""
                event: change
                id: 2
                data: {"seq":2,"op":"purge-all"}

                """));
        var client = origin.Client(origins: [new Uri("http://origin-a.test/"), new Uri("http://origin-b.test/")]);

        var events = await origin.TakeAsync(client, 4);

        Assert.Equal([new FeedEvent.Connected(null), new FeedEvent.Connected(1)], events.OfType<FeedEvent.Connected>());
        Assert.Equal([1L, 2L], events.OfType<FeedEvent.Change>().Select(c => c.Entry.Seq));
        Assert.Equal(["origin-a.test", "origin-a.test", "origin-b.test"], origin.Requests.Select(r => r.RequestUri!.Host));
        Assert.Equal("1", origin.Requests.Last().Headers.GetValues(FeedProtocol.LastEventIdHeader).Single());
        // One pause, before asking the origin whose stream ended again; none before moving on to the other.
        Assert.Equal([50.0], origin.Delays.Select(d => d.TotalMilliseconds));
        Assert.Equal(new Uri("http://origin-b.test/"), client.Origin);
    }

    [Fact]
    public async Task A_bare_socket_error_from_the_handler_is_an_unreachable_origin_not_the_end_of_the_feed()
    {
        // SocketsHttpHandler throws SocketException 107 unwrapped when a new connection is reset
        // before it reads the peer's address; on CI that ended an edge's feed (and stopped the edge).
        var logger = new WarningRecorder();
        var origin = new ScriptedOrigin(
            () => throw new SocketException((int)SocketError.NotConnected),
            Stream("""
                event: heartbeat
                data: {"head":3}

                """));
        var client = origin.Client(logger);

        var events = await origin.TakeAsync(client, 2);

        Assert.Equal([new FeedEvent.Connected(null), new FeedEvent.Heartbeat(3)], events);
        Assert.Equal(2, origin.Requests.Count);
        Assert.Contains(logger.Warnings, w => w.Contains("Cannot reach", StringComparison.OrdinalIgnoreCase));
    }

    private static Func<HttpResponseMessage> Stream(string body) => () => new HttpResponseMessage(HttpStatusCode.OK)
    {
        Content = new StringContent(body.ReplaceLineEndings("\n") + "\n", Encoding.UTF8, "text/event-stream"),
    };

    private static Func<HttpResponseMessage> Status(HttpStatusCode status) => () => new HttpResponseMessage(status);

    /// <summary>Answers the feed requests in turn (then fails every further one) and records every delay the client waits.</summary>
    private sealed class ScriptedOrigin(params Func<HttpResponseMessage>[] answers) : HttpMessageHandler
    {
        private readonly CancellationTokenSource _stop = new();
        private int _next;

        public ConcurrentQueue<HttpRequestMessage> Requests { get; } = new();

        public ConcurrentQueue<TimeSpan> Delays { get; } = new();

        public FeedClient Client(ILogger<FeedClient>? logger = null, Uri[]? origins = null)
            => new(
                new HttpClient(this),
                new FeedClientOptions
                {
                    Origins = origins ?? [new Uri("http://origin.test/base")],
                    Token = "t0ken",
                    EdgeId = "edge-7",
                    Region = "eu",
                    Endpoint = "http://edge.test",
                    ReconnectDelay = Initial,
                    MaxReconnectDelay = Max,
                },
                new InstantTime(Delays),
                logger ?? NullLogger<FeedClient>.Instance,
                () => 0.5);

        public async Task<List<FeedEvent>> TakeAsync(FeedClient client, int count)
        {
            var events = new List<FeedEvent>();
            await foreach (var feedEvent in client.ReadAllAsync(_stop.Token))
            {
                events.Add(feedEvent);
                if (events.Count == count)
                {
                    break;
                }
            }

            return events;
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Enqueue(request);
            var index = Interlocked.Increment(ref _next) - 1;
            return Task.FromResult(index < answers.Length ? answers[index]() : new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        }

        protected override void Dispose(bool disposing)
        {
            _stop.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>Keeps every warning (and worse) the client logs.</summary>
    private sealed class WarningRecorder : ILogger<FeedClient>
    {
        public ConcurrentQueue<string> Warnings { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Warnings.Enqueue(formatter(state, exception));
            }
        }
    }

    /// <summary>Records every delay asked for and lets it pass at once.</summary>
    private sealed class InstantTime(ConcurrentQueue<TimeSpan> delays) : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                delays.Enqueue(dueTime);
                dueTime = TimeSpan.Zero;
            }

            return System.CreateTimer(callback, state, dueTime, period);
        }
    }
}
