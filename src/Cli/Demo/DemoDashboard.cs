using EdgeCache.Cli.Client;
using EdgeCache.Cli.Rendering;
using EdgeCache.Replication.Fleet;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EdgeCache.Cli.Demo;

/// <summary>
/// The fleet while the demo runs, asked of the origin every second until cancelled. On a terminal
/// it is a live table with the latest warnings under it; with output redirected the table is printed
/// again only when an edge's head, applied seq or connection changed (never for hit counters alone),
/// and warnings go to stderr line by line.
/// </summary>
internal sealed class DemoDashboard(OriginClient origin, CliConsole console, DemoLog log)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>Warnings shown under the live table.</summary>
    private const int ShownWarnings = 5;

    /// <summary>Runs until <paramref name="cancellationToken"/> fires, then throws <see cref="OperationCanceledException"/>.</summary>
    public Task RunAsync(CancellationToken cancellationToken)
        => console.Interactive ? RunLiveAsync(cancellationToken) : RunPrintedAsync(cancellationToken);

    private Task RunLiveAsync(CancellationToken cancellationToken)
        => console.Ansi.Live(new Text("asking the origin for the fleet…"))
            .AutoClear(false)
            .StartAsync(async live =>
            {
                using var timer = new PeriodicTimer(Interval);
                do
                {
                    var (fleet, problem) = await FetchAsync(cancellationToken);
                    live.UpdateTarget(LiveView(fleet, problem));
                }
                while (await timer.WaitForNextTickAsync(cancellationToken));
            });

    private IRenderable LiveView(FleetReport? fleet, string? problem)
    {
        var rows = new List<IRenderable>
        {
            fleet is not null ? FleetTable.Render(fleet, origin.Origin) : new Text(problem!, new Style(Color.Red)),
        };
        var warnings = log.Latest(ShownWarnings);
        if (warnings.Count > 0)
        {
            rows.Add(new Text("latest warnings:"));
            rows.AddRange(warnings.Select(warning => new Text(warning, new Style(Color.Yellow))));
        }

        return new Rows(rows);
    }

    private async Task RunPrintedAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval);
        string? printedState = null;
        string? printedProblem = null;
        long warned = 0;
        do
        {
            foreach (var entry in log.After(warned))
            {
                await console.WarnAsync(entry.Message);
                warned = entry.Number;
            }

            var (fleet, problem) = await FetchAsync(cancellationToken);
            if (fleet is null)
            {
                // Once per problem, not once a second.
                if (problem != printedProblem)
                {
                    await console.WarnAsync(problem!);
                    printedProblem = problem;
                }

                continue;
            }

            var state = StateOf(fleet);
            if (state != printedState)
            {
                console.Ansi.Write(FleetTable.Render(fleet, origin.Origin));
                await console.Out.WriteLineAsync();
                await console.Out.FlushAsync(cancellationToken);
                (printedState, printedProblem) = (state, null);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    /// <summary>What a printed table must show anew when it changes: the head and each edge's applied seq and connection, not its counters.</summary>
    private static string StateOf(FleetReport fleet)
        => string.Join(
            ' ',
            fleet.Edges.OrderBy(e => e.Id, StringComparer.Ordinal)
                .Select(e => FormattableString.Invariant($"{e.Id}={e.Applied}/{e.Connected}"))
                .Prepend(FormattableString.Invariant($"head={fleet.Head}")));

    /// <summary>The fleet, or why the origin could not give it (the demo goes on: it may answer next time).</summary>
    private async Task<(FleetReport? Fleet, string? Problem)> FetchAsync(CancellationToken cancellationToken)
    {
        try
        {
            return ((await origin.FleetAsync(cancellationToken)).Report, null);
        }
        catch (CommandFailedException failure)
        {
            return (null, failure.Message);
        }
    }
}
