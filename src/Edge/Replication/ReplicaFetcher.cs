using System.Threading.Channels;
using EdgeCache.Replication.Feed;
using EdgeCache.Replication.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Edge.Replication;

/// <summary>
/// Replicate mode: paths under the configured prefixes are fetched into the cache as soon as
/// the origin announces them. Each fetch is a GET to the edge itself, so it takes the normal
/// path (routing, request collapsing, admission, the purge and ETag guards) and is stored under
/// the key a client of <see cref="EdgeCache.Edge.Hosting.EdgeOptions.PublicEndpoint"/> would use.
/// </summary>
internal sealed partial class ReplicaFetcher : IAsyncDisposable
{
    /// <summary>Fetches at once; the rest wait in the queue.</summary>
    public const int Concurrency = 4;

    /// <summary>Paths waiting to be fetched; announcements beyond it are dropped (a client's miss fetches them).</summary>
    public const int QueueCapacity = 16_384;

    private readonly string[] _prefixes;
    private readonly HttpClient _self;
    private readonly string _host;
    private readonly ILogger _logger;
    private readonly Channel<string> _queue = Channel.CreateBounded<string>(new BoundedChannelOptions(QueueCapacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly Task[] _workers;

    /// <param name="self">A client whose base address is this edge's own listen address.</param>
    /// <param name="host">The Host header the fetches carry (the public endpoint's authority).</param>
    public ReplicaFetcher(string[] prefixes, HttpClient self, string host, ILogger logger)
    {
        _prefixes = prefixes;
        _self = self;
        _host = host;
        _logger = logger;
        _workers = new Task[Concurrency];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = Task.Run(WorkAsync);
        }
    }

    /// <summary>True when <paramref name="path"/> is under a replicated prefix.</summary>
    public bool Covers(string path)
    {
        foreach (var prefix in _prefixes)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Queues <paramref name="path"/> if it is replicated; never waits.</summary>
    public void Announce(string path)
    {
        if (Covers(path) && !_queue.Writer.TryWrite(path))
        {
            LogQueueFull(_logger, path);
        }
    }

    /// <summary>Queues every replicated path of <paramref name="manifest"/>, waiting for room.</summary>
    public async Task WarmAsync(ManifestReport manifest, CancellationToken cancellationToken)
    {
        var queued = 0;
        foreach (var item in manifest.Items)
        {
            if (Covers(item.Path))
            {
                await _queue.Writer.WriteAsync(item.Path, cancellationToken);
                queued++;
            }
        }

        LogWarming(_logger, queued, manifest.Seq);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        // Queued fetches are abandoned, not awaited: the edge is stopping.
        while (_queue.Reader.TryRead(out _))
        {
        }

        await Task.WhenAll(_workers);
    }

    private async Task WorkAsync()
    {
        await foreach (var path in _queue.Reader.ReadAllAsync())
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new PathString(path).ToUriComponent());
                request.Headers.Host = _host;
                using var response = await _self.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                // Read to the end: a client that leaves early would not stop the fill, but this keeps the connection reusable.
                await response.Content.CopyToAsync(Stream.Null);
                LogFetched(_logger, path, (int)response.StatusCode,
                    response.Headers.TryGetValues("Cache-Status", out var status) ? string.Join(", ", status) : "(none)");
            }
            catch (Exception exception) when (NetworkFailure.Is(exception) || exception is OperationCanceledException)
            {
                LogFetchFailed(_logger, path, exception.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Replicated {Path}: {Status} ({CacheStatus})")]
    private static partial void LogFetched(ILogger logger, string path, int status, string cacheStatus);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not replicate {Path}: {Reason}")]
    private static partial void LogFetchFailed(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The replication queue is full; {Path} is fetched on its first request instead")]
    private static partial void LogQueueFull(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Warming {Count} replicated paths from the origin's manifest (seq {Seq})")]
    private static partial void LogWarming(ILogger logger, int count, long seq);
}
