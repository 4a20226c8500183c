using System.CommandLine;
using EdgeCache.Cli.Commands;
using EdgeCache.Cli.Rendering;

namespace EdgeCache.Cli;

/// <summary>The <c>edgecache</c> command line: parses, runs, and maps failures to exit codes.</summary>
internal static class EdgeCacheCommand
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadUsage = 2;

    public static RootCommand Create(CliConsole console)
    {
        var root = new RootCommand("""
            EdgeCache: a geo-distributed caching edge network.

            Example:
              edgecache demo
              edgecache origin --listen http://0.0.0.0:7000 --data /var/lib/edgecache --token s3cret
              edgecache edge --listen http://0.0.0.0:8080 --origin http://origin:7000 --region eu-west --token s3cret
              edgecache dns --listen 0.0.0.0:53 --zone cdn.example.net --origin http://origin:7000 --token s3cret
              edgecache publish ./site --wait --origin http://origin:7000 --token s3cret
            """)
        {
            OriginCommand.Create(console),
            EdgeCommand.Create(console),
            DnsCommand.Create(console),
            DemoCommand.Create(console),
            PublishCommand.Create(console),
            PurgeCommand.Create(console),
            StatusCommand.Create(console),
        };
        return root;
    }

    /// <summary>Runs the command line with the process's console.</summary>
    public static Task<int> RunAsync(string[] args) => RunAsync(args, CliConsole.System());

    /// <summary>Runs the command line writing to <paramref name="output"/> and <paramref name="error"/> (never interactive).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
        => RunAsync(args, new CliConsole(output, error, interactive: false), cancellationToken);

    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        var (output, error) = (console.Out, console.Error);
        var root = Create(console);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                await error.WriteLineAsync($"edgecache: {parseError.Message}");
            }

            await error.WriteLineAsync("Run 'edgecache --help' for usage.");
            return BadUsage;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (UsageException usage)
        {
            await error.WriteLineAsync($"edgecache: {usage.Message}");
            return BadUsage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Ok;
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C during an operator command: what the origin committed stays committed, an open batch was aborted.
            await error.WriteLineAsync("edgecache: interrupted");
            return Failed;
        }
#pragma warning disable CA1031 // A person gets one line, never a stack trace.
        catch (Exception failure)
#pragma warning restore CA1031
        {
            await error.WriteLineAsync($"edgecache: {failure.Message}");
            return Failed;
        }
    }
}

/// <summary>A command line that parsed but makes no sense (a bad URL, a bad size); exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>An operation that failed for a reason a person can act on (origin unreachable, wrong token, file not found); the message is the one line they see, exit code 1.</summary>
internal sealed class CommandFailedException(string message, Exception? inner = null) : Exception(message, inner);
