namespace EdgeCache.Cli.Tests;

/// <summary>Runs the <c>edgecache</c> command line in this process, capturing what it writes.</summary>
internal static class CliRun
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await EdgeCacheCommand.RunAsync(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }
}
