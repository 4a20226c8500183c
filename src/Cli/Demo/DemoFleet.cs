using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using EdgeCache.Cli.Client;
using EdgeCache.Cli.Commands;
using EdgeCache.Dns.Hosting;
using EdgeCache.Edge.Hosting;
using EdgeCache.Origin.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.Cli.Demo;

/// <summary>One running edge of the demo: its id, region and the URL it serves on.</summary>
internal sealed record DemoEdge(string Id, string Region, string Url);

/// <summary>
/// The demo's servers, all in this process: an origin on 127.0.0.1, edges on their own loopback
/// addresses that follow its feed, and a GeoDNS responder for them, built exactly as
/// <c>edgecache origin</c>, <c>edgecache edge</c> and <c>edgecache dns</c> build them. Disposing
/// stops them all at once.
/// </summary>
internal sealed class DemoFleet : IAsyncDisposable
{
    /// <summary>How long one server may take to stop before its connections are cut; the demo must end within seconds of Ctrl-C.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(1);

    private const string OriginListen = "http://127.0.0.1:0";
    private const string EdgeCacheSize = "64MB";
    private const string DnsListen = "127.0.0.1:0";

    /// <summary>Short, so an edge stopped during the demo leaves the answers within seconds.</summary>
    private const uint DnsTtl = 5;

    private static readonly TimeSpan DnsFleetRefresh = TimeSpan.FromSeconds(1);

    private readonly string _data;
    private readonly string? _configFile;
    private readonly DemoLog _log;
    private readonly List<IHost> _hosts = [];
    private readonly List<DemoEdge> _edges = [];
    private string? _origin;

    public DemoFleet(string data, string? configFile, DemoLog log)
    {
        _data = data;
        _configFile = configFile;
        _log = log;
    }

    /// <summary>The origin's admin token, new for every demo.</summary>
    public string Token { get; } = RandomNumberGenerator.GetHexString(32, lowercase: true);

    /// <summary>The URL the origin listens on, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Origin => _origin ?? throw new InvalidOperationException("the origin has not started");

    public IReadOnlyList<DemoEdge> Edges => _edges;

    /// <summary>Starts the origin on a free port of 127.0.0.1 and answers its URL.</summary>
    /// <exception cref="CommandFailedException">It cannot listen or cannot open its data folder.</exception>
    public async Task<string> StartOriginAsync(CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?>();
        CommandSettings.Put(settings, OriginOptions.SectionName, nameof(OriginOptions.Listen), OriginListen);
        CommandSettings.Put(settings, OriginOptions.SectionName, nameof(OriginOptions.Data), _data);
        CommandSettings.Put(settings, OriginOptions.SectionName, nameof(OriginOptions.Token), Token);
        WebApplication app;
        try
        {
            app = await OriginApplication.CreateAsync(settings, _configFile, LogTo("origin"), cancellationToken: cancellationToken);
        }
        catch (OptionsValidationException invalid)
        {
            throw new UsageException(string.Join("; ", invalid.Failures));
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailedException($"the origin cannot use {_data}: {failure.Message}", failure);
        }

        _origin = await StartAsync(app, "the origin", OriginListen, cancellationToken);
        return _origin;
    }

    /// <summary>Starts one edge following the origin.</summary>
    /// <exception cref="CommandFailedException">It cannot listen on its address.</exception>
    public async Task<DemoEdge> StartEdgeAsync(EdgePlacement placement, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?>();
        CommandSettings.Put(settings, EdgeOptions.SectionName, nameof(EdgeOptions.Listen), placement.Listen);
        CommandSettings.Put(settings, EdgeOptions.SectionName, nameof(EdgeOptions.Origin), Origin);
        CommandSettings.Put(settings, EdgeOptions.SectionName, nameof(EdgeOptions.Token), Token);
        CommandSettings.Put(settings, EdgeOptions.SectionName, nameof(EdgeOptions.Region), placement.Region);
        CommandSettings.Put(settings, EdgeOptions.SectionName, nameof(EdgeOptions.Id), placement.Id);
        CommandSettings.Put(settings, EdgeOptions.SectionName, nameof(EdgeOptions.CacheSize), EdgeCacheSize);
        WebApplication app;
        try
        {
            app = EdgeApplication.Build(settings, _configFile, LogTo(placement.Id));
        }
        catch (OptionsValidationException invalid)
        {
            throw new UsageException(string.Join("; ", invalid.Failures));
        }

        var edge = new DemoEdge(placement.Id, placement.Region, await StartAsync(app, "edge " + placement.Id, placement.Listen, cancellationToken));
        _edges.Add(edge);
        return edge;
    }

    /// <summary>Starts the DNS responder for <paramref name="zone"/> on a free port of 127.0.0.1, reading the origin's fleet; answers where it listens.</summary>
    /// <exception cref="CommandFailedException">It cannot listen.</exception>
    public async Task<IPEndPoint> StartDnsAsync(string zone, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?>();
        CommandSettings.Put(settings, DnsOptions.SectionName, nameof(DnsOptions.Listen), DnsListen);
        CommandSettings.Put(settings, DnsOptions.SectionName, nameof(DnsOptions.Zone), zone);
        CommandSettings.Put(settings, DnsOptions.SectionName, nameof(DnsOptions.Origin), Origin);
        CommandSettings.Put(settings, DnsOptions.SectionName, nameof(DnsOptions.Token), Token);
        CommandSettings.Put(settings, DnsOptions.SectionName, nameof(DnsOptions.Ttl), DnsTtl.ToString(CultureInfo.InvariantCulture));
        CommandSettings.Put(settings, DnsOptions.SectionName, nameof(DnsOptions.FleetRefresh), DnsFleetRefresh.ToString("c", CultureInfo.InvariantCulture));
        IHost host;
        try
        {
            host = DnsApplication.Build(settings, _configFile, LogTo("dns"));
        }
        catch (OptionsValidationException invalid)
        {
            throw new UsageException(string.Join("; ", invalid.Failures));
        }

        await StartAsync(host, "the DNS responder", DnsListen, cancellationToken);
        return DnsApplication.EndpointOf(host);
    }

    /// <summary>Waits until the origin sees every started edge connected to its feed; answers the ids still unconnected at <paramref name="within"/>.</summary>
    public async Task<IReadOnlyList<string>> WaitUntilConnectedAsync(OriginClient origin, TimeSpan within, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(within);
        var missing = _edges.Select(e => e.Id).ToList();
        try
        {
            while (true)
            {
                var (fleet, _) = await origin.FleetAsync(deadline.Token);
                var connected = fleet.Edges.Where(e => e.Connected).Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
                missing = [.. _edges.Select(e => e.Id).Where(id => !connected.Contains(id))];
                if (missing.Count == 0)
                {
                    return missing;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return missing;
        }
    }

    /// <summary>Stops every server in parallel, each within <see cref="StopTimeout"/>, and disposes them.</summary>
    public async ValueTask DisposeAsync()
    {
        // Origin and edges stop together: a stopping origin ends its feeds and a stopping edge drops its
        // own, so neither waits on the other; one slow server costs StopTimeout, not one per server.
        await Task.WhenAll(_hosts.Select(StopAsync));
        _hosts.Clear();
    }

    private static async Task StopAsync(IHost host)
    {
        try
        {
            using var timeout = new CancellationTokenSource(StopTimeout);
            await host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Past the timeout the host cut what was still open; disposing finishes the job.
        }
        finally
        {
            await ServerRun.DisposeAsync(host);
        }
    }

    private async Task<string> StartAsync(WebApplication app, string what, string listen, CancellationToken cancellationToken)
    {
        await StartAsync((IHost)app, what, listen, cancellationToken);
        // Once started, Urls are the addresses the server bound (port 0 resolved).
        return app.Urls.First();
    }

    private async Task StartAsync(IHost host, string what, string listen, CancellationToken cancellationToken)
    {
        // Once added, a server is stopped by DisposeAsync even when its start fails half way.
        _hosts.Add(host);
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception bindFailure) when (bindFailure is IOException or SocketException)
        {
            // Kestrel reports an address in use as an IOException, an address this machine lacks as the bare SocketException.
            throw new CommandFailedException($"{what} cannot listen on {listen}: {bindFailure.Message}{LoopbackHint(listen)}", bindFailure);
        }
    }

    /// <summary>macOS only routes 127.0.0.1 on its loopback interface; every other address needs an alias.</summary>
    private static string LoopbackHint(string listen)
    {
        var host = Uri.TryCreate(listen, UriKind.Absolute, out var url) ? url.Host : "127.0.0.1";
        return OperatingSystem.IsMacOS() && host != "127.0.0.1"
            ? $" (add the address with: sudo ifconfig lo0 alias {host} up)"
            : string.Empty;
    }

    /// <summary>Every message of the server goes to the demo's log, none to the console the dashboard owns.</summary>
    private Action<ILoggingBuilder> LogTo(string source)
    {
        var provider = _log.ProviderFor(source);
        return logging =>
        {
            logging.ClearProviders();
            logging.AddProvider(provider);
        };
    }
}
