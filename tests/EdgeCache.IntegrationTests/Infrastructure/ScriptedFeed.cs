using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeCache.Replication.Changes;
using EdgeCache.Replication.Feed;
using EdgeCache.Replication.Fleet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCache.IntegrationTests.Infrastructure;

/// <summary>
/// A real Kestrel server that speaks the origin's side of the feed protocol as the test scripts
/// it: changes are pushed by the test, heartbeats are sent only when asked (so clocks stay in the
/// test's hands), connections can be dropped and the server stopped and started again on its port;
/// acks and feed requests are recorded.
/// </summary>
public sealed class ScriptedFeed : IAsyncDisposable
{
    public const string Token = "feed-secret";

    private readonly Lock _lock = new();
    private readonly List<ChangeEntry> _log = [];
    private WebApplication? _app;
    private TaskCompletionSource _changed = NewSignal();
    private long _lowWaterMark = 1;
    private int _heartbeats;
    private int _drops;
    private int _acksInFlight;
    private int _maxAcksInFlight;
    private int _connections;

    private ScriptedFeed()
    {
    }

    public string Url { get; private set; } = string.Empty;

    /// <summary>Request headers of every feed request, in arrival order.</summary>
    public ConcurrentQueue<IHeaderDictionary> FeedRequests { get; } = new();

    /// <summary>Every ack received, in arrival order.</summary>
    public ConcurrentQueue<AckReport> Acks { get; } = new();

    /// <summary>What <c>/_replication/manifest</c> answers.</summary>
    public ManifestReport Manifest { get; set; } = new(0, []);

    /// <summary>When set, every ack waits for it before it is answered.</summary>
    public TaskCompletionSource? AckGate { get; set; }

    public int MaxAcksInFlight => Volatile.Read(ref _maxAcksInFlight);

    /// <summary>Feed connections open now.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public long Head
    {
        get
        {
            lock (_lock)
            {
                return _log.Count;
            }
        }
    }

    public static async Task<ScriptedFeed> StartAsync()
    {
        var feed = new ScriptedFeed();
        await feed.ListenAsync(0);
        return feed;
    }

    /// <summary>Starts an edge that follows this feed and fetches from <paramref name="upstream"/>, and waits until it acked its first heartbeat.</summary>
    public async Task<TestEdge> StartEdgeAsync(TestUpstream upstream, TimeProvider? time = null, params (string Key, string Value)[] settings)
    {
        var acks = Acks.Count;
        var edge = await TestEdge.InFrontOfAsync(upstream, time,
        [
            ("Edge:Origin", Url),
            ("Edge:Token", Token),
            ("Edge:Id", "edge-1"),
            ("Edge:Region", "test-region"),
            ("Edge:FeedReconnectDelay", "00:00:00.05"),
            ("Edge:FeedMaxReconnectDelay", "00:00:00.2"),
            .. settings,
        ]);
        Assert.True(await Deadline.UntilAsync(() => Task.FromResult(Acks.Count > acks), TimeSpan.FromSeconds(10)), "the edge did not ack the feed");
        return edge;
    }

    /// <summary>Appends a change (its seq assigned) and streams it to every connection.</summary>
    public long Push(ChangeEntry change)
    {
        lock (_lock)
        {
            var seq = _log.Count + 1L;
            _log.Add(change with { Seq = seq, At = DateTimeOffset.UtcNow });
            Signal();
            return seq;
        }
    }

    public long Push(string op, string? path = null, string? etag = null, string? tag = null, bool soft = false)
        => Push(new ChangeEntry { Op = op, Path = path, ETag = etag, Tags = tag is null ? null : [tag], Soft = soft });

    /// <summary>Sends one heartbeat on every open connection.</summary>
    public void Heartbeat()
    {
        lock (_lock)
        {
            _heartbeats++;
            Signal();
        }
    }

    /// <summary>Aborts every open feed connection.</summary>
    public void DropConnections()
    {
        lock (_lock)
        {
            _drops++;
            Signal();
        }
    }

    /// <summary>Forgets the changes below <paramref name="lowWaterMark"/>: a connection asking for them gets a reset.</summary>
    public void Compact(long lowWaterMark)
    {
        lock (_lock)
        {
            _lowWaterMark = lowWaterMark;
        }
    }

    /// <summary>Waits until an ack reports <paramref name="seq"/> applied.</summary>
    public Task<bool> AckedAsync(long seq) => Deadline.UntilAsync(() => Task.FromResult(Acks.Any(a => a.Applied >= seq)), TimeSpan.FromSeconds(10));

    /// <summary>Stops the server: connections break and new ones are refused.</summary>
    public async Task StopAsync()
    {
        DropConnections();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    /// <summary>Starts the server again on the port it had.</summary>
    public Task RestartAsync() => ListenAsync(new Uri(Url).Port);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        AckGate?.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Signal()
    {
        _changed.TrySetResult();
        _changed = NewSignal();
    }

    private async Task ListenAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapGet(FeedProtocol.FeedPath, FeedAsync);
        app.MapPost(FeedProtocol.AckPath, AckAsync);
        app.MapGet(FeedProtocol.ManifestPath, (HttpContext context) => Authorized(context)
            ? Results.Json(Manifest, ReplicationJsonContext.Default.ManifestReport)
            : Results.StatusCode(StatusCodes.Status401Unauthorized));
        await app.StartAsync();
        Url = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        _app = app;
    }

    private static bool Authorized(HttpContext context) => context.Request.Headers.Authorization == "Bearer " + Token;

    private async Task AckAsync(HttpContext context)
    {
        if (!Authorized(context))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var inFlight = Interlocked.Increment(ref _acksInFlight);
        InterlockedMax(ref _maxAcksInFlight, inFlight);
        try
        {
            var report = await JsonSerializer.DeserializeAsync(context.Request.Body, ReplicationJsonContext.Default.AckReport);
            if (AckGate is { } gate)
            {
                await gate.Task;
            }

            Acks.Enqueue(report!);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        }
        finally
        {
            Interlocked.Decrement(ref _acksInFlight);
        }
    }

    private async Task FeedAsync(HttpContext context)
    {
        FeedRequests.Enqueue(new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value)));
        if (!Authorized(context))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        long next;
        int heartbeats;
        int drops;
        long? reset = null;
        lock (_lock)
        {
            var lastEventId = context.Request.Headers[FeedProtocol.LastEventIdHeader];
            next = lastEventId.Count == 0 ? 0 : long.Parse(lastEventId.ToString(), CultureInfo.InvariantCulture) + 1;
            // As the origin does: no position, or one compacted away, starts with a reset to the head.
            if (next < _lowWaterMark || lastEventId.Count == 0)
            {
                reset = _log.Count;
                next = _log.Count + 1;
            }

            heartbeats = _heartbeats;
            drops = _drops;
        }

        context.Response.ContentType = "text/event-stream";
        Interlocked.Increment(ref _connections);
        try
        {
            if (reset is { } head)
            {
                await WriteAsync(context, FeedProtocol.ResetEvent, head,
                    JsonSerializer.Serialize(new FeedReset(head, _lowWaterMark), ReplicationJsonContext.Default.FeedReset));
            }

            await WriteAsync(context, FeedProtocol.HeartbeatEvent, null,
                JsonSerializer.Serialize(new FeedHeartbeat(Head), ReplicationJsonContext.Default.FeedHeartbeat));
            while (!context.RequestAborted.IsCancellationRequested)
            {
                Task changed;
                var pending = new List<ChangeEntry>();
                var beat = false;
                lock (_lock)
                {
                    if (_drops != drops)
                    {
                        context.Abort();
                        return;
                    }

                    for (; next <= _log.Count; next++)
                    {
                        pending.Add(_log[(int)next - 1]);
                    }

                    if (_heartbeats != heartbeats)
                    {
                        heartbeats = _heartbeats;
                        beat = true;
                    }

                    changed = _changed.Task;
                }

                foreach (var change in pending)
                {
                    await WriteAsync(context, FeedProtocol.ChangeEvent, change.Seq,
                        JsonSerializer.Serialize(change, ReplicationJsonContext.Default.ChangeEntry));
                }

                if (beat)
                {
                    await WriteAsync(context, FeedProtocol.HeartbeatEvent, null,
                        JsonSerializer.Serialize(new FeedHeartbeat(Head), ReplicationJsonContext.Default.FeedHeartbeat));
                }

                await changed.WaitAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _connections);
        }
    }

    private static async Task WriteAsync(HttpContext context, string type, long? id, string data)
    {
        var frame = new StringBuilder().Append("event: ").Append(type).Append('\n');
        if (id is { } seq)
        {
            frame.Append("id: ").Append(seq.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        frame.Append("data: ").Append(data).Append("\n\n");
        await context.Response.WriteAsync(frame.ToString(), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
