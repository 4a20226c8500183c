using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using EdgeCache.Dns.Answering;
using EdgeCache.Dns.Hosting;
using EdgeCache.Replication.Feed;
using EdgeCache.Replication.Fleet;
using EdgeCache.Replication.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.Dns.Fleet;

/// <summary>
/// Reads the fleet from the origin (<c>GET /_admin/fleet</c>) every <see cref="DnsOptions.FleetRefresh"/>
/// and keeps the snapshot DNS answers from. A failed read keeps the last good snapshot: the DNS
/// server goes on answering while the origin restarts.
/// </summary>
internal sealed partial class FleetWatcher : BackgroundService, IFleetView
{
    /// <summary>Path of the origin's fleet report, relative to its base URL.</summary>
    private const string FleetPath = "_admin/fleet";

    /// <summary>Far above any real fleet report; a larger answer is not the origin's.</summary>
    private const int MaxReportBytes = 16 << 20;

    private readonly DnsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<FleetWatcher> _logger;
    private readonly HttpClient _http;
    private readonly Uri _origin;
    private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<string> _unaddressableWarned = new(StringComparer.Ordinal);
    private FleetSnapshot _current = FleetSnapshot.Empty;
    private FailureKind _failing = FailureKind.None;

    public FleetWatcher(IOptions<DnsOptions> options, TimeProvider time, ILogger<FleetWatcher> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        var origin = _options.Origin ?? throw new InvalidOperationException("Dns:Origin is not set");
        _origin = new Uri(origin.EndsWith('/') ? origin : origin + "/");
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = _options.FleetTimeout })
        {
            BaseAddress = _origin,
            // Each read has its own deadline on the injected clock.
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = MaxReportBytes,
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _options.Token);
    }

    private enum FailureKind
    {
        None,
        Unreachable,
        Refused,
        NotAFleetReport,
    }

    /// <summary>The fleet as last read; empty until the first read succeeds.</summary>
    public FleetSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Completes once the fleet has been read successfully for the first time.</summary>
    public Task WaitForFirstAsync(CancellationToken cancellationToken) => _first.Task.WaitAsync(cancellationToken);

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.FleetRefresh, _time);
        try
        {
            do
            {
                await RefreshAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Reads the fleet once; answers whether it worked (else the last snapshot stays).</summary>
    internal async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(_options.FleetTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            using var response = await _http.GetAsync(FleetPath, linked.Token);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                return Failed(FailureKind.Refused, $"{(int)response.StatusCode} {response.ReasonPhrase}");
            }

            if (!response.IsSuccessStatusCode)
            {
                return Failed(FailureKind.NotAFleetReport, $"it answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            var json = await response.Content.ReadAsByteArrayAsync(linked.Token);
            var report = JsonSerializer.Deserialize(json, ReplicationJsonContext.Default.FleetReport);
            if (Problem(report) is { } problem)
            {
                return Failed(FailureKind.NotAFleetReport, problem);
            }

            Accept(report!);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            return Failed(FailureKind.Unreachable, $"no answer within {_options.FleetTimeout}");
        }
        catch (Exception unreachable) when (NetworkFailure.Is(unreachable))
        {
            return Failed(FailureKind.Unreachable, unreachable.Message);
        }
        catch (JsonException invalid)
        {
            return Failed(FailureKind.NotAFleetReport, $"its answer is not a fleet report: {invalid.Message}");
        }
    }

    private static string? Problem(FleetReport? report)
    {
        if (report?.Edges is null)
        {
            return "its answer is not a fleet report: no edges";
        }

        return report.Edges.Any(e => e is null || string.IsNullOrEmpty(e.Id) || string.IsNullOrEmpty(e.Region))
            ? "its answer is not a fleet report: an edge without an id or a region"
            : null;
    }

    private void Accept(FleetReport report)
    {
        var snapshot = FleetSnapshots.From(report, out var unaddressable);
        foreach (var edge in unaddressable)
        {
            if (_unaddressableWarned.Add(edge.Id))
            {
                LogUnaddressable(_logger, edge.Id, edge.Region, edge.Endpoint ?? "(none)");
            }
        }

        // An edge that got an address since is warned about again if it loses it.
        _unaddressableWarned.IntersectWith(unaddressable.Select(e => e.Id));

        var previous = Interlocked.Exchange(ref _current, snapshot);
        if (_failing != FailureKind.None)
        {
            LogFleetBack(_logger, _origin, snapshot.Healthy.Count);
            _failing = FailureKind.None;
        }

        if (!previous.Healthy.SequenceEqual(snapshot.Healthy) || !previous.Regions.SequenceEqual(snapshot.Regions))
        {
            LogFleetChanged(_logger, snapshot.Healthy.Count, snapshot.Regions.Count, string.Join(", ", snapshot.Healthy.Select(e => e.Id)));
        }

        _first.TrySetResult();
    }

    /// <summary>Logs the failure when it starts a streak (or changes its kind), never on every refresh.</summary>
    private bool Failed(FailureKind kind, string reason)
    {
        if (_failing != kind)
        {
            var kept = Current.Healthy.Count;
            if (kind == FailureKind.Refused)
            {
                LogRefused(_logger, _origin, reason, kept);
            }
            else
            {
                LogUnavailable(_logger, _origin, reason, kept);
            }

            _failing = kind;
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The origin {Origin} refused the token ({Status}) for its fleet: check --token (Dns:Token); answering with the last fleet read ({Edges} edges)")]
    private static partial void LogRefused(ILogger logger, Uri origin, string status, int edges);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot read the fleet from {Origin}: {Reason}; answering with the last fleet read ({Edges} edges) until it is back")]
    private static partial void LogUnavailable(ILogger logger, Uri origin, string reason, int edges);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reading the fleet from {Origin} again: {Edges} healthy edges")]
    private static partial void LogFleetBack(ILogger logger, Uri origin, int edges);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fleet: {Edges} healthy edges in {Regions} regions ({Ids})")]
    private static partial void LogFleetChanged(ILogger logger, int edges, int regions, string ids);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Edge {Id} (region {Region}) is left out of the answers: its endpoint '{Endpoint}' is not an http(s) URL with an IP address; give the edge one (Edge:PublicEndpoint)")]
    private static partial void LogUnaddressable(ILogger logger, string id, string region, string endpoint);
}
