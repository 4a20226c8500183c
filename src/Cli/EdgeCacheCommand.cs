using System.CommandLine;
using EdgeCache.Cli.Commands;

namespace EdgeCache.Cli;

/// <summary>The <c>edgecache</c> command line: parses, runs, and maps failures to exit codes.</summary>
internal static class EdgeCacheCommand
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadUsage = 2;

    public static RootCommand Create(TextWriter output)
    {
        var root = new RootCommand("EdgeCache: a geo-distributed caching edge network.")
        {
            EdgeCommand.Create(output),
            OriginCommand.Create(output),
        };
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = Create(output);
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
