using System.Globalization;
using System.Net.ServerSentEvents;
using System.Text.Json;
using EdgeCache.Replication.Changes;

namespace EdgeCache.Replication.Feed;

/// <summary>
/// Writes one subscriber's feed (<see cref="FeedProtocol"/>) from a change log to a stream as
/// server-sent events. Every subscriber reads the log at its own pace, in pages, so a slow one
/// never holds back the others or the publishers; each page goes out in one write and flush.
/// Only published changes are sent (<see cref="PublishedHead"/>): the head a subscriber sees
/// is the published one, never an entry the origin does not serve yet.
/// </summary>
public sealed class FeedWriter
{
    /// <summary>How many entries one read of the log, and so one flush, carries at most.</summary>
    public const int DefaultPageSize = 512;

    private readonly IChangeLog _log;
    private readonly PublishedHead _published;
    private readonly TimeProvider _time;
    private readonly TimeSpan _heartbeatInterval;
    private readonly int _pageSize;

    /// <summary>
    /// A writer of <paramref name="log"/> up to <paramref name="published"/>, sending a heartbeat
    /// every <paramref name="heartbeatInterval"/> of <paramref name="time"/>.
    /// </summary>
    public FeedWriter(IChangeLog log, PublishedHead published, TimeProvider time, TimeSpan heartbeatInterval, int pageSize = DefaultPageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(heartbeatInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        _log = log;
        _published = published;
        _time = time;
        _heartbeatInterval = heartbeatInterval;
        _pageSize = pageSize;
    }

    /// <summary>
    /// Writes the feed of a subscriber that applied <paramref name="lastEventId"/> (null: nothing
    /// yet, so it starts with a reset to the head) until <paramref name="cancellationToken"/> is cancelled,
    /// which ends it with <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task WriteAsync(Stream destination, long? lastEventId, CancellationToken cancellationToken)
    {
        var feed = new EventBatch(destination);
        using var heartbeats = new PeriodicTimer(_heartbeatInterval, _time);

        // Without a position the edge has nothing it could trust; a reset tells it exactly where the
        // stream starts (a heartbeat's head could be passed by an append before the first change).
        // Above the head means the origin lost entries the edge has seen: its cache cannot be trusted either.
        long position;
        if (lastEventId is not { } last || last < _log.LowWaterMark - 1 || last > _published.Seq)
        {
            position = AddReset(feed);
        }
        else
        {
            position = last;
        }

        feed.Add(new SseItem<object>(new FeedHeartbeat(_published.Seq), FeedProtocol.HeartbeatEvent));
        await feed.FlushAsync(cancellationToken);

        Task<bool>? tick = null;
        Task? published = null;
        while (true)
        {
            for (var head = _published.Seq; position < head; head = _published.Seq)
            {
                var entries = await _log.ReadAsync(position, (int)Math.Min(_pageSize, head - position), cancellationToken);
                if (entries.Count == 0)
                {
                    break;
                }

                if (entries[0].Seq != position + 1)
                {
                    // Compaction overtook this subscriber: what it still lacks is gone from the log.
                    position = AddReset(feed);
                }
                else
                {
                    foreach (var entry in entries)
                    {
                        feed.Add(new SseItem<object>(entry, FeedProtocol.ChangeEvent) { EventId = Id(entry.Seq) });
                    }

                    position = entries[^1].Seq;
                }

                await feed.FlushAsync(cancellationToken);
            }

            // Both waits outlive a wake-up by the other, so an idle feed never piles up waiters.
            tick ??= heartbeats.WaitForNextTickAsync(cancellationToken).AsTask();
            published ??= _published.WaitPastAsync(position, cancellationToken);
            if (await Task.WhenAny(tick, published) == tick)
            {
                if (!await tick)
                {
                    return;
                }

                tick = null;
                feed.Add(new SseItem<object>(new FeedHeartbeat(_published.Seq), FeedProtocol.HeartbeatEvent));
                await feed.FlushAsync(cancellationToken);
            }
            else
            {
                await published;
                published = null;
            }
        }
    }

    /// <summary>Adds a reset to the head (as the event id, so a reconnect resumes after it); returns the head.</summary>
    private long AddReset(EventBatch feed)
    {
        var lowWaterMark = _log.LowWaterMark;
        var head = _published.Seq;
        feed.Add(new SseItem<object>(new FeedReset(head, lowWaterMark), FeedProtocol.ResetEvent) { EventId = Id(head) });
        return head;
    }

    private static string Id(long seq) => seq.ToString(CultureInfo.InvariantCulture);

    /// <summary>Events gathered for one write and flush.</summary>
    private sealed class EventBatch(Stream destination)
    {
        private readonly List<SseItem<object>> _items = [];
        private readonly MemoryStream _buffer = new();
        private Utf8JsonWriter? _json;

        public void Add(SseItem<object> item) => _items.Add(item);

        public async Task FlushAsync(CancellationToken cancellationToken)
        {
            _buffer.SetLength(0);
            await SseFormatter.WriteAsync(_items.ToAsyncEnumerable(), _buffer, Format, cancellationToken);
            _items.Clear();
            await destination.WriteAsync(_buffer.GetBuffer().AsMemory(0, (int)_buffer.Length), cancellationToken);
            await destination.FlushAsync(cancellationToken);
        }

        private void Format(SseItem<object> item, System.Buffers.IBufferWriter<byte> output)
        {
            if (_json is null)
            {
                _json = new Utf8JsonWriter(output);
            }
            else
            {
                _json.Reset(output);
            }

            JsonSerializer.Serialize(_json, item.Data, item.Data.GetType(), ReplicationJsonContext.Default);
        }
    }
}
