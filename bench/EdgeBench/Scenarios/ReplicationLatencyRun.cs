using System.Diagnostics;

namespace EdgeCache.Bench.Scenarios;

/// <summary>Runs bench/ReplicationLatency (publish -> all 6 edges applied, issue 5) and reports what it printed.</summary>
internal sealed class ReplicationLatencyRun(string assembly)
{
    public async Task<string> RunAsync()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add("--publishes");
        start.ArgumentList.Add("1000");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("ReplicationLatency did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ReplicationLatency exited with {process.ExitCode}: {await error}");
        }

        var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return "Publish -> all edges applied (bench/ReplicationLatency, a real origin and 3 regions x 2 edges in one process, not pinned):\n\n"
            + string.Join('\n', lines.Select(line => "    " + line)) + "\n";
    }
}
