using System.CommandLine;
using EdgeCache.Cli.Client;
using EdgeCache.Cli.Demo;
using EdgeCache.Cli.Rendering;

namespace EdgeCache.Cli.Commands;

/// <summary><c>edgecache demo</c>: an origin and edges in several regions on one machine, a sample site published through them, and the fleet live until Ctrl-C.</summary>
internal static class DemoCommand
{
    /// <summary>The zone the demo's DNS responder answers for; <c>.test</c> is reserved for testing (RFC 6761).</summary>
    private const string DnsZone = "edgecache.test";

    /// <summary>How long the demo waits for every edge to connect to the origin's feed before it publishes.</summary>
    private static readonly TimeSpan ConnectWithin = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    public static Command Create(CliConsole console)
    {
        var options = new DemoOptions();
        var command = new Command("demo", """
            Run an origin and edges in several regions on this machine (region r's edge e on 127.0.r.e),
            publish a sample site through them, and show the fleet live until Ctrl-C. Prints, one line
            each: origin URL, token T, edge URL region R id ID (every edge), data DIR, and
            dns IP:PORT zone edgecache.test for its GeoDNS responder.

            Example:
              edgecache demo
              edgecache demo --regions us-east,eu-west --edges-per-region 3 --data ./demo-data
            """);
        options.AddTo(command);

        command.SetAction(async (parse, cancellationToken) =>
        {
            var layout = options.Read(parse);
            var data = DemoDataFolder.Use(layout.Data);
            try
            {
                await RunAsync(layout, data, console, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C (SIGINT) or SIGTERM: the normal end of a demo, even while it was starting.
            }
            finally
            {
                if (data.RemoveIfTemporary() is { } problem)
                {
                    await console.WarnAsync(problem);
                }
            }

            return EdgeCacheCommand.Ok;
        });
        return command;
    }

    private static async Task RunAsync(DemoLayout layout, DemoDataFolder data, CliConsole console, CancellationToken cancellationToken)
    {
        var log = new DemoLog();
        // Disposed before the data folder is removed: the origin's files are closed by then.
        await using var fleet = new DemoFleet(data.Path, layout.ConfigFile, log);
        var originUrl = await fleet.StartOriginAsync(cancellationToken);
        await SayAsync(console, $"origin {originUrl}", cancellationToken);
        await SayAsync(console, $"token {fleet.Token}", cancellationToken);
        foreach (var placement in layout.Edges)
        {
            var edge = await fleet.StartEdgeAsync(placement, cancellationToken);
            await SayAsync(console, $"edge {edge.Url} region {edge.Region} id {edge.Id}", cancellationToken);
        }

        await SayAsync(console, $"data {data.Description}", cancellationToken);
        var dns = await fleet.StartDnsAsync(DnsZone, cancellationToken);
        await SayAsync(console, $"dns {dns} zone {DnsZone}", cancellationToken);

        using var origin = new OriginClient(new Uri(originUrl + "/"), fleet.Token, CallTimeout);
        var unconnected = await fleet.WaitUntilConnectedAsync(origin, ConnectWithin, cancellationToken);
        if (unconnected.Count > 0)
        {
            await console.WarnAsync($"not connected to the origin within {ConnectWithin.TotalSeconds:0}s: {string.Join(", ", unconnected)}; publishing anyway");
        }

        var outcome = await SampleSite.PublishAsync(origin, console, data.Path, cancellationToken);
        if (outcome.Commit.Pending is { Count: > 0 } pending)
        {
            await console.WarnAsync($"the sample site is not confirmed within {SampleSite.ConfirmWithin.TotalSeconds:0}s by {string.Join(", ", pending)}");
        }

        await SayAsync(console, $"published the sample site: {outcome.Files} files, seq {outcome.Commit.Seq}", cancellationToken);
        var credentials = $"--origin {originUrl} --token {fleet.Token}";
        await SayAsync(console, $"try: curl -i {fleet.Edges[0].Url}/", cancellationToken);
        await SayAsync(console, $"try: edgecache status {credentials}", cancellationToken);
        await SayAsync(console, $"try: edgecache purge --tag css --wait {credentials}", cancellationToken);
        await SayAsync(console, $"try: dig @{dns.Address} -p {dns.Port} {DnsZone} +short    (and eu-west.{DnsZone}, _http._tcp.{DnsZone} SRV)", cancellationToken);
        await SayAsync(console, "Ctrl-C stops the demo.", cancellationToken);

        await new DemoDashboard(origin, console, log).RunAsync(cancellationToken);
    }

    /// <summary>One line, flushed at once: scripts and tests read these lines as they come.</summary>
    private static async Task SayAsync(CliConsole console, string line, CancellationToken cancellationToken)
    {
        await console.Out.WriteLineAsync(line);
        await console.Out.FlushAsync(cancellationToken);
    }
}
