using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using EdgeCache.Replication.Changes;
using EdgeCache.Replication.Fleet;
using EdgeCache.Replication.Http;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Replication.Feed;

/// <summary>
/// An edge's side of the push feed (<see cref="FeedProtocol"/>): follows an origin's change
/// stream for as long as it is enumerated, reconnecting with exponential backoff and full
/// jitter and resuming after the last seq it handed out, and sends acks and fetches the manifest.
/// Given several origins, a connection that fails (or ends without an event) moves on to the
/// next one at once; the backoff applies before asking the same origin again.
/// </summary>
/// <remarks>
/// Every change is checked to follow the previous one exactly (seq + 1); anything else, or a
/// malformed event, is a protocol error: the connection is dropped and made again from the last
/// good seq. The consumer must apply each event before it asks for the next, or at least never
/// drop one, since <see cref="Applied"/> moves as soon as an event is handed out.
/// </remarks>
public sealed partial class FeedClient
{
    private readonly HttpClient _http;
    private readonly FeedClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<FeedClient> _logger;
    private readonly FeedBackoff _backoff;
    private readonly Endpoints[] _origins;
    private int _current;
    private long _applied = -1;
    private bool _refused;

    /// <summary>
    /// Creates a client that sends through <paramref name="http"/> (whose own timeout should be
    /// infinite: the feed is one long response) and waits on <paramref name="time"/>.
    /// </summary>
    public FeedClient(HttpClient http, FeedClientOptions options, TimeProvider time, ILogger<FeedClient> logger)
        : this(http, options, time, logger, Random.Shared.NextDouble)
    {
    }

    internal FeedClient(HttpClient http, FeedClientOptions options, TimeProvider time, ILogger<FeedClient> logger, Func<double> random)
    {
        _http = http;
        _options = options;
        _time = time;
        _logger = logger;
        _backoff = new FeedBackoff(options.ReconnectDelay, options.MaxReconnectDelay, random);
        if (options.Origins.Count == 0)
        {
            throw new ArgumentException("at least one origin is needed", nameof(options));
        }

        _origins = [.. options.Origins.Select(Endpoints.Of)];
    }

    /// <summary>The origin of the current (or last) connection.</summary>
    public Uri Origin => Current.Origin;

    private Endpoints Current => _origins[Volatile.Read(ref _current)];

    /// <summary>The seq of the last change (or reset head) handed out; null before any.</summary>
    public long? Applied => Volatile.Read(ref _applied) is var applied and >= 0 ? applied : null;

    /// <summary>Follows the feed until <paramref name="cancellationToken"/> fires; never ends otherwise.</summary>
    public async IAsyncEnumerable<FeedEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Connections in a row that delivered no event. While some origin in the list has not been
        // tried since the last event, a failure moves on to the next one at once; otherwise waits.
        var failures = 0;
        var first = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!first)
            {
                if (failures % _origins.Length == 0)
                {
                    // A wrong token stays wrong until someone fixes it: no point asking often.
                    var delay = _refused ? _options.MaxReconnectDelay : _backoff.Next();
                    if (!await DelayAsync(delay, cancellationToken))
                    {
                        yield break;
                    }
                }

                if (failures > 0)
                {
                    MoveToNextOrigin();
                }
            }

            first = false;
            failures++;
            var after = Applied;
            using var response = await ConnectAsync(after, cancellationToken);
            if (response is null)
            {
                continue;
            }

            LogConnected(_logger, Origin, after?.ToString(CultureInfo.InvariantCulture) ?? "the head");
            yield return new FeedEvent.Connected(after);
            await foreach (var feedEvent in ReadConnectionAsync(response, cancellationToken))
            {
                _backoff.Reset();
                failures = 0;
                yield return feedEvent;
            }
        }
    }

    /// <summary>Sends one ack (<c>POST /_replication/ack</c>); throws (an exception <see cref="NetworkFailure.Is"/> recognises, or <see cref="HttpRequestException"/> for a refusal) unless the origin took it.</summary>
    public async Task AckAsync(AckReport report, CancellationToken cancellationToken)
    {
        using var timeout = Timeout(cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, Current.Ack)
        {
            Content = JsonContent.Create(report, ReplicationJsonContext.Default.AckReport),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.Token);
        using var response = await _http.SendAsync(request, timeout.Token);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Fetches what the origin publishes (<c>GET /_replication/manifest</c>).</summary>
    public async Task<ManifestReport> GetManifestAsync(CancellationToken cancellationToken)
    {
        using var timeout = Timeout(cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, Current.Manifest);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.Token);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync(ReplicationJsonContext.Default.ManifestReport, timeout.Token)
            ?? throw new JsonException("the manifest is null");
    }

    private void MoveToNextOrigin()
    {
        if (_origins.Length > 1)
        {
            var from = Origin;
            Volatile.Write(ref _current, (_current + 1) % _origins.Length);
            LogFailingOver(_logger, from, Origin);
        }
    }

    private CancellationTokenSource Timeout(CancellationToken cancellationToken)
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        return timeout;
    }

    /// <summary>The open feed response, or null (logged) when the origin could not be reached or refused.</summary>
    private async Task<HttpResponseMessage?> ConnectAsync(long? after, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Current.Feed);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.Token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add(FeedProtocol.EdgeIdHeader, _options.EdgeId);
        request.Headers.Add(FeedProtocol.EdgeRegionHeader, _options.Region);
        if (_options.Endpoint is not null)
        {
            request.Headers.Add(FeedProtocol.EdgeEndpointHeader, _options.Endpoint);
        }

        if (after is { } seq)
        {
            request.Headers.Add(FeedProtocol.LastEventIdHeader, seq.ToString(CultureInfo.InvariantCulture));
        }

        _refused = false;
        HttpResponseMessage response;
        using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            // Headers come right away from a working origin; the body may then stay open for hours.
            connect.CancelAfter(_options.IdleTimeout);
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, connect.Token);
            }
            catch (Exception exception) when (NetworkFailure.Is(exception))
            {
                LogUnreachable(_logger, Origin, exception.Message);
                return null;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                LogUnreachable(_logger, Origin, "no answer within " + _options.IdleTimeout);
                return null;
            }
        }

        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            LogRefused(_logger, Origin, (int)response.StatusCode, _options.MaxReconnectDelay);
            response.Dispose();
            _refused = true;
            return null;
        }

        if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            LogUnexpectedAnswer(_logger, Origin, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? "none");
            response.Dispose();
            return null;
        }

        return response;
    }

    /// <summary>The events of one connection until it ends, breaks, idles out or breaks the protocol.</summary>
    private async IAsyncEnumerable<FeedEvent> ReadConnectionAsync(HttpResponseMessage response, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(_options.IdleTimeout);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var parser = SseParser.Create(stream, ParseData);
        await using var items = parser.EnumerateAsync(idle.Token).GetAsyncEnumerator(idle.Token);
        while (true)
        {
            string? failure = null;
            try
            {
                if (!await items.MoveNextAsync())
                {
                    failure = "the origin closed the stream";
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = $"nothing heard for {_options.IdleTimeout}";
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
            catch (Exception exception) when (NetworkFailure.Is(exception) || exception is JsonException or FormatException)
            {
                failure = exception.Message;
            }

            if (failure is not null)
            {
                LogDisconnected(_logger, Origin, failure);
                yield break;
            }

            idle.CancelAfter(_options.IdleTimeout);
            var item = items.Current;
            var feedEvent = Accept(item, out var error);
            if (error is not null)
            {
                LogProtocolError(_logger, Origin, error, Applied?.ToString(CultureInfo.InvariantCulture) ?? "the head");
                yield break;
            }

            if (feedEvent is not null)
            {
                yield return feedEvent;
            }
        }
    }

    /// <summary>Checks one event against the protocol and moves <see cref="Applied"/>; null for events this client does not know.</summary>
    private FeedEvent? Accept(SseItem<object?> item, out string? error)
    {
        error = null;
        switch (item.Data)
        {
            case ChangeEntry change:
                var applied = Applied;
                if (applied is { } last && change.Seq != last + 1)
                {
                    error = $"change {change.Seq} does not follow {last}";
                    return null;
                }

                if (change.Seq <= 0 || (item.EventId is { Length: > 0 } id && id != change.Seq.ToString(CultureInfo.InvariantCulture)))
                {
                    error = $"change {change.Seq} has event id '{item.EventId}'";
                    return null;
                }

                Volatile.Write(ref _applied, change.Seq);
                return new FeedEvent.Change(change);
            case FeedHeartbeat heartbeat:
                return new FeedEvent.Heartbeat(heartbeat.Head);
            case FeedReset reset:
                if (reset.Head < 0)
                {
                    error = $"reset to head {reset.Head}";
                    return null;
                }

                // Without a position every feed starts with a reset to the head (FeedProtocol): that is how an
                // edge starts, not lost history, and its subscriber reports the start.
                if (Applied is { } position)
                {
                    LogReset(_logger, Origin, position, reset.Head, reset.LowWaterMark);
                }

                Volatile.Write(ref _applied, reset.Head);
                return new FeedEvent.Reset(reset.Head, reset.LowWaterMark);
            default:
                return null;
        }
    }

    private static object? ParseData(string eventType, ReadOnlySpan<byte> data) => eventType switch
    {
        FeedProtocol.ChangeEvent => JsonSerializer.Deserialize(data, ReplicationJsonContext.Default.ChangeEntry)
            ?? throw new JsonException("a change event without an entry"),
        FeedProtocol.HeartbeatEvent => JsonSerializer.Deserialize(data, ReplicationJsonContext.Default.FeedHeartbeat)
            ?? throw new JsonException("a heartbeat event without data"),
        FeedProtocol.ResetEvent => JsonSerializer.Deserialize(data, ReplicationJsonContext.Default.FeedReset)
            ?? throw new JsonException("a reset event without data"),
        _ => null,
    };

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Following the feed of {Origin} after {After}")]
    private static partial void LogConnected(ILogger logger, Uri origin, string after);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Following {Next} instead of {Origin}")]
    private static partial void LogFailingOver(ILogger logger, Uri origin, Uri next);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot reach the feed of {Origin}: {Reason}; retrying")]
    private static partial void LogUnreachable(ILogger logger, Uri origin, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The origin {Origin} refused this edge's token ({Status}): check Edge:Token; retrying in {Delay}")]
    private static partial void LogRefused(ILogger logger, Uri origin, int status, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The feed of {Origin} answered {Status} ({MediaType}) instead of an event stream; retrying")]
    private static partial void LogUnexpectedAnswer(ILogger logger, Uri origin, int status, string mediaType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the feed of {Origin}: {Reason}; reconnecting")]
    private static partial void LogDisconnected(ILogger logger, Uri origin, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Protocol error on the feed of {Origin}: {Error}; reconnecting after {Applied}")]
    private static partial void LogProtocolError(ILogger logger, Uri origin, string error, string applied);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The origin {Origin} no longer has the changes after {Applied} (low-water mark {LowWaterMark}): resetting to {Head}")]
    private static partial void LogReset(ILogger logger, Uri origin, long applied, long head, long lowWaterMark);

    /// <summary>One origin's URLs.</summary>
    private sealed record Endpoints(Uri Origin, Uri Feed, Uri Ack, Uri Manifest)
    {
        public static Endpoints Of(Uri origin)
        {
            var root = origin.AbsoluteUri.EndsWith('/') ? origin : new Uri(origin.AbsoluteUri + "/");
            return new Endpoints(
                origin,
                new Uri(root, FeedProtocol.FeedPath.TrimStart('/')),
                new Uri(root, FeedProtocol.AckPath.TrimStart('/')),
                new Uri(root, FeedProtocol.ManifestPath.TrimStart('/')));
        }
    }
}
