using System.CommandLine;
using EdgeCache.Cli.Options;
using EdgeCache.Cli.Rendering;

namespace EdgeCache.Cli.Commands;

/// <summary><c>edgecache status</c>: the fleet by region, or one path on every edge.</summary>
internal static class StatusCommand
{
    public static Command Create(CliConsole console)
    {
        var path = new Option<string>("--path") { Description = "Show this path on every edge (stored, etag, age, stale) instead of the fleet. Env: EDGECACHE_STATUS_PATH." };
        var client = new ClientOptions();

        var command = new Command("status", """
            Show every edge by region (applied seq, lag, connection, hit ratio, objects, bytes), or with
            --path what every edge holds at one path.

            Example:
              edgecache status --origin http://127.0.0.1:7000 --token s3cret
              edgecache status --path /index.html --json --origin http://127.0.0.1:7000 --token s3cret
            """)
        {
            path,
        };
        client.AddTo(command, waits: false);

        command.SetAction(async (parse, cancellationToken) =>
        {
            var source = client.SourceOf(parse, "status");
            var json = source.Get(client.Json);
            var at = source.Get(path);
            if (at is not null && !at.StartsWith('/'))
            {
                throw new UsageException($"--path: '{at}' is not a content path; it starts with /");
            }

            using var origin = client.ConnectTo(source);
            if (at is null)
            {
                var (fleet, fleetJson) = await origin.FleetAsync(cancellationToken);
                Write(console, json, fleetJson, () => FleetTable.Render(fleet, origin.Origin));
            }
            else
            {
                var (status, statusJson) = await origin.PathStatusAsync(at, cancellationToken);
                Write(console, json, statusJson, () => PathStatusTable.Render(status));
            }

            return EdgeCacheCommand.Ok;
        });
        return command;
    }

    private static void Write(CliConsole console, bool json, string originJson, Func<Spectre.Console.Rendering.IRenderable> table)
    {
        if (json)
        {
            // The origin's own JSON, as documented in the README's admin API table.
            console.Out.WriteLine(originJson);
        }
        else
        {
            console.Ansi.Write(table());
        }
    }
}
