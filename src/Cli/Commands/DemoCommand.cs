using System.CommandLine;
using EdgeCache.Cli.Rendering;

namespace EdgeCache.Cli.Commands;

/// <summary><c>edgecache demo</c>: an origin and edges in several regions on one machine (to be built).</summary>
internal static class DemoCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("demo", "Run an origin and edges in several regions on this machine.");
        command.SetAction((_, _) => Task.FromResult(EdgeCacheCommand.Failed));
        _ = console;
        return command;
    }
}
