using System.IO.Pipelines;
using System.Net.ServerSentEvents;
using System.Text.Json;
using EdgeCache.Replication.Changes;
using EdgeCache.Replication.Feed;
using EdgeCache.Replication.Tests.Changes;

namespace EdgeCache.Replication.Tests.Feed;

public sealed class FeedWriterTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "edgecache-feed-" + Guid.NewGuid().ToString("N"));
    private readonly ManualTime _time = new(new DateTimeOffset(2026, 11, 22, 1, 2, 3, TimeSpan.Zero));
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly PublishedHead _published = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Resuming_sends_a_heartbeat_then_exactly_the_later_changes_in_order()
    {
        var log = await OpenLogAsync();
        await AppendAsync(log, 5);
        var feed = Subscribe(log, lastEventId: 2);

        AssertHeartbeat(await feed.NextAsync(), head: 5);
        AssertChange(await feed.NextAsync(), 3);
        AssertChange(await feed.NextAsync(), 4);
        AssertChange(await feed.NextAsync(), 5);
        await AppendAsync(log, 1);
        AssertChange(await feed.NextAsync(), 6);
    }

    [Fact]
    public async Task Without_a_last_event_id_the_feed_starts_with_a_reset_to_the_head()
    {
        var log = await OpenLogAsync();
        await AppendAsync(log, 3);
        var feed = Subscribe(log, lastEventId: null);

        var reset = await feed.NextAsync();
        Assert.Equal(FeedProtocol.ResetEvent, reset.EventType);
        Assert.Equal("3", reset.EventId);
        AssertHeartbeat(await feed.NextAsync(), head: 3);
        await AppendAsync(log, 1);
        AssertChange(await feed.NextAsync(), 4);
    }

    [Fact]
    public async Task A_change_in_the_log_goes_out_only_once_it_is_published()
    {
        var log = await OpenLogAsync();
        await AppendAsync(log, 2);
        var feed = Subscribe(log, lastEventId: null);
        await log.AppendAsync(Changes(3));

        var reset = await feed.NextAsync();
        Assert.Equal(FeedProtocol.ResetEvent, reset.EventType);
        Assert.Equal("2", reset.EventId);
        AssertHeartbeat(await feed.NextAsync(), head: 2);

        // Durable but not yet served by the origin: the next heartbeat comes first and still says 2.
        _time.Advance(Interval);
        AssertHeartbeat(await feed.NextAsync(), head: 2);
        _published.Advance(4);
        AssertChange(await feed.NextAsync(), 3);
        AssertChange(await feed.NextAsync(), 4);
        _time.Advance(Interval);
        AssertHeartbeat(await feed.NextAsync(), head: 4);
        _published.Advance(5);
        AssertChange(await feed.NextAsync(), 5);
    }

    [Fact]
    public async Task A_subscriber_below_the_low_water_mark_is_reset_to_the_head()
    {
        var log = await OpenLogAsync(retain: 2, segmentBytes: 1);
        for (var i = 0; i < 6; i++)
        {
            await AppendAsync(log, 1);
        }

        await log.CompactAsync();
        Assert.True(log.LowWaterMark > 2);
        var feed = Subscribe(log, lastEventId: 0);

        var reset = await feed.NextAsync();
        Assert.Equal(FeedProtocol.ResetEvent, reset.EventType);
        Assert.Equal("6", reset.EventId);
        Assert.Equal(new FeedReset(6, log.LowWaterMark), JsonSerializer.Deserialize(reset.Data, ReplicationJsonContext.Default.FeedReset));
        AssertHeartbeat(await feed.NextAsync(), head: 6);
        await AppendAsync(log, 1);
        AssertChange(await feed.NextAsync(), 7);
    }

    [Fact]
    public async Task A_subscriber_ahead_of_the_log_is_reset_to_the_head()
    {
        var log = await OpenLogAsync();
        await AppendAsync(log, 3);
        var feed = Subscribe(log, lastEventId: 99);

        var reset = await feed.NextAsync();
        Assert.Equal(FeedProtocol.ResetEvent, reset.EventType);
        Assert.Equal("3", reset.EventId);
    }

    [Fact]
    public async Task Heartbeats_follow_the_clock_and_carry_the_head()
    {
        var log = await OpenLogAsync();
        var feed = Subscribe(log, lastEventId: 0);
        AssertHeartbeat(await feed.NextAsync(), head: 0);

        _time.Advance(Interval);
        AssertHeartbeat(await feed.NextAsync(), head: 0);
        await AppendAsync(log, 1);
        AssertChange(await feed.NextAsync(), 1);
        _time.Advance(Interval);
        AssertHeartbeat(await feed.NextAsync(), head: 1);
    }

    [Fact]
    public async Task A_subscriber_that_stops_reading_does_not_hold_back_another()
    {
        var log = await OpenLogAsync();
        var stalled = Subscribe(log, lastEventId: 0, pauseAtBytes: 1);
        var reading = Subscribe(log, lastEventId: 0);
        AssertHeartbeat(await reading.NextAsync(), head: 0);

        // Enough to fill the stalled subscriber's pipe many times over.
        for (var i = 0; i < 20; i++)
        {
            await AppendAsync(log, 50);
        }

        AssertHeartbeat(await stalled.NextAsync(), head: 0);
        for (var seq = 1; seq <= 1000; seq++)
        {
            AssertChange(await reading.NextAsync(), seq);
        }
    }

    private async Task<FileChangeLog> OpenLogAsync(long retain = 1000, long segmentBytes = 1 << 20)
    {
        var log = await FileChangeLog.OpenAsync(
            new ChangeLogOptions { Directory = Path.Combine(_root, Guid.NewGuid().ToString("N")), Retain = retain, SegmentBytes = segmentBytes },
            _time,
            new CollectingLogger<FileChangeLog>());
        _owned.Add(log);
        return log;
    }

    /// <summary>Appends <paramref name="count"/> puts and publishes them, as the origin does once it serves them.</summary>
    private async Task AppendAsync(IChangeLog log, int count)
    {
        await log.AppendAsync(Changes(count));
        _published.Advance(log.Head);
    }

    private static ChangeEntry[] Changes(int count)
        => [.. Enumerable.Range(0, count).Select(i => new ChangeEntry { Op = ChangeOps.Put, Path = $"/p{i}", ETag = "\"e\"", Size = 1, ContentType = "text/plain" })];

    private Subscriber Subscribe(IChangeLog log, long? lastEventId, long pauseAtBytes = 1 << 16)
    {
        var subscriber = new Subscriber(new FeedWriter(log, _published, _time, Interval, pageSize: 7), lastEventId, pauseAtBytes);
        _owned.Add(subscriber);
        return subscriber;
    }

    private static void AssertHeartbeat(SseItem<string> item, long head)
    {
        Assert.Equal(FeedProtocol.HeartbeatEvent, item.EventType);
        Assert.Equal(new FeedHeartbeat(head), JsonSerializer.Deserialize(item.Data, ReplicationJsonContext.Default.FeedHeartbeat));
    }

    private static void AssertChange(SseItem<string> item, long seq)
    {
        Assert.Equal(FeedProtocol.ChangeEvent, item.EventType);
        Assert.Equal(seq.ToString(System.Globalization.CultureInfo.InvariantCulture), item.EventId);
        Assert.Equal(seq, JsonSerializer.Deserialize(item.Data, ReplicationJsonContext.Default.ChangeEntry)!.Seq);
    }

    /// <summary>A feed written into a pipe and parsed back; the pipe stops the writer once it holds <c>pauseAtBytes</c> unread.</summary>
    private sealed class Subscriber : IAsyncDisposable
    {
        private readonly Pipe _pipe;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _writing;
        private readonly IAsyncEnumerator<SseItem<string>> _events;

        public Subscriber(FeedWriter writer, long? lastEventId, long pauseAtBytes)
        {
            _pipe = new Pipe(new PipeOptions(pauseWriterThreshold: pauseAtBytes, resumeWriterThreshold: pauseAtBytes / 2 + 1));
            _writing = writer.WriteAsync(_pipe.Writer.AsStream(), lastEventId, _stop.Token);
            _events = SseParser.Create(_pipe.Reader.AsStream()).EnumerateAsync().GetAsyncEnumerator();
        }

        public async Task<SseItem<string>> NextAsync()
        {
            Assert.True(await _events.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
            return _events.Current;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _writing);
            await _pipe.Writer.CompleteAsync();
            await _events.DisposeAsync();
            _stop.Dispose();
        }
    }
}
