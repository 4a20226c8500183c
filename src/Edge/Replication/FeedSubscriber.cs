using System.Threading.Channels;
using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Hosting;
using EdgeCache.Replication.Feed;
using EdgeCache.Replication.Fleet;
using EdgeCache.Replication.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.Edge.Replication;

/// <summary>
/// Follows the origin's change feed once the edge listens: applies every change strictly in
/// order, acks (coalesced) after each batch and with every heartbeat, keeps the feed's
/// <see cref="FeedSilence"/> current, and in replicate mode fetches announced content.
/// </summary>
internal sealed partial class FeedSubscriber : BackgroundService
{
    /// <summary>Events read ahead of the apply loop; the feed connection waits beyond that.</summary>
    private const int ReadAhead = 1024;

    private readonly EdgeOptions _options;
    private readonly ChangeApplier _applier;
    private readonly ResponseCache _cache;
    private readonly FeedSilence _silence;
    private readonly TimeProvider _time;
    private readonly IServer _server;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<FeedSubscriber> _logger;

    public FeedSubscriber(
        IOptions<EdgeOptions> options,
        ChangeApplier applier,
        ResponseCache cache,
        FeedSilence silence,
        TimeProvider time,
        IServer server,
        IHostApplicationLifetime lifetime,
        ILoggerFactory loggers)
    {
        _options = options.Value;
        _applier = applier;
        _cache = cache;
        _silence = silence;
        _time = time;
        _server = server;
        _lifetime = lifetime;
        _loggers = loggers;
        _logger = loggers.CreateLogger<FeedSubscriber>();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The endpoint the origin is told, and the address replicate mode fetches through, exist once Kestrel has bound.
        if (!await StartedAsync(stoppingToken))
        {
            return;
        }

        var listen = SelfAddress.Of(_server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []);
        var endpoint = _options.PublicEndpoint ?? listen?.ToString().TrimEnd('/');
        // A feed left behind (protocol error, silence) is closed at once rather than drained: it never ends by itself.
        using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), MaxResponseDrainSize = 0 })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var client = new FeedClient(http, new FeedClientOptions
        {
            Origins = _options.OriginUrls(),
            Token = _options.Token!,
            EdgeId = _options.Id,
            Region = _options.Region,
            Endpoint = endpoint,
            ReconnectDelay = _options.FeedReconnectDelay,
            MaxReconnectDelay = _options.FeedMaxReconnectDelay,
        }, _time, _loggers.CreateLogger<FeedClient>());

        await using var acks = new AckSender((applied, cancel) => client.AckAsync(Report(applied, endpoint), cancel), _logger);
        using var self = listen is null ? null : new HttpClient { BaseAddress = listen };
        ReplicaFetcher? replicas = null;
        if (_options.Replicate.Length > 0)
        {
            if (self is null)
            {
                LogNoSelfAddress(_logger);
            }
            else
            {
                var host = endpoint is null ? listen!.Authority : new Uri(endpoint).Authority;
                replicas = new ReplicaFetcher(_options.Replicate, self, host, _loggers.CreateLogger<ReplicaFetcher>());
            }
        }

        var events = Channel.CreateBounded<FeedEvent>(new BoundedChannelOptions(ReadAhead) { SingleReader = true, SingleWriter = true });
        var reading = ReadAsync(client, events.Writer, stoppingToken);
        var warming = new List<Task>();
        try
        {
            await ApplyAsync(events.Reader, acks, replicas, client, warming, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await reading;
            await Task.WhenAll(warming);
            if (replicas is not null)
            {
                await replicas.DisposeAsync();
            }
        }
    }

    private AckReport Report(long applied, string? endpoint)
    {
        var statistics = _cache.Statistics();
        return new AckReport(_options.Id, _options.Region, endpoint, applied,
            new CacheCounters(statistics.Hits, statistics.Misses, statistics.Entries, statistics.Bytes));
    }

    private static async Task ReadAsync(FeedClient client, ChannelWriter<FeedEvent> events, CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await foreach (var feedEvent in client.ReadAllAsync(stoppingToken))
            {
                await events.WriteAsync(feedEvent, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            events.TryComplete();
        }
    }

    /// <summary>Applies events in order; a batch is whatever is ready without waiting, and ends with one ack.</summary>
    private async Task ApplyAsync(
        ChannelReader<FeedEvent> events,
        AckSender acks,
        ReplicaFetcher? replicas,
        FeedClient client,
        List<Task> warming,
        CancellationToken stoppingToken)
    {
        long applied = 0;
        while (await events.WaitToReadAsync(stoppingToken))
        {
            var ack = false;
            while (events.TryRead(out var feedEvent))
            {
                _silence.Heard();
                switch (feedEvent)
                {
                    case FeedEvent.Connected:
                        // Nothing to do: a stream without a position starts with a reset, which drops
                        // the cache and warms replicas; a resumed one goes on from where it was.
                        break;
                    case FeedEvent.Change change:
                        _applier.Apply(change.Entry);
                        applied = change.Entry.Seq;
                        if (change.Entry.Op == EdgeCache.Replication.Changes.ChangeOps.Put && change.Entry.Path is { } path)
                        {
                            replicas?.Announce(path);
                        }

                        ack = true;
                        break;
                    case FeedEvent.Heartbeat:
                        ack = true;
                        break;
                    case FeedEvent.Reset reset:
                        var purged = _applier.Reset();
                        if (applied == 0)
                        {
                            LogStartedAtHead(_logger, reset.Head, purged);
                        }
                        else
                        {
                            LogReset(_logger, reset.Head, purged);
                        }

                        applied = reset.Head;
                        if (replicas is not null)
                        {
                            warming.Add(WarmAsync(client, replicas, stoppingToken));
                        }

                        ack = true;
                        break;
                }
            }

            if (ack)
            {
                acks.Request(applied);
            }
        }
    }

    private async Task WarmAsync(FeedClient client, ReplicaFetcher replicas, CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            var manifest = await client.GetManifestAsync(stoppingToken);
            await replicas.WarmAsync(manifest, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception exception) when (NetworkFailure.Is(exception) || exception is System.Text.Json.JsonException or OperationCanceledException)
        {
            LogWarmFailed(_logger, exception.Message);
        }
    }

    private async Task<bool> StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = _lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = stoppingToken.Register(() => started.TrySetResult());
        await started.Task;
        return !stoppingToken.IsCancellationRequested;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Following the origin from its head {Head}: dropped {Dropped} stored responses of unknown age")]
    private static partial void LogStartedAtHead(ILogger logger, long head, int dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feed reset to {Head}: dropped all {Dropped} stored responses")]
    private static partial void LogReset(ILogger logger, long head, int dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not warm the replicated paths from the origin's manifest: {Reason}")]
    private static partial void LogWarmFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replicate mode is off: the edge found no address of its own to fetch through")]
    private static partial void LogNoSelfAddress(ILogger logger);
}
