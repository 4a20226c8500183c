using System.Diagnostics;
using System.Globalization;

namespace EdgeCache.Bench.Load;

/// <summary>Runs wrk (one thread, on CPU 1 when pinned) against one URL.</summary>
internal sealed class WrkRunner(int connections, bool pin)
{
    public async Task<WrkResult> RunAsync(string url, TimeSpan duration)
    {
        var start = new ProcessStartInfo(pin ? "taskset" : "wrk")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string[] wrk =
        [
            "-t1",
            "-c" + connections.ToString(CultureInfo.InvariantCulture),
            "-d" + ((int)Math.Ceiling(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s",
            "--latency",
            "--timeout", "5s",
            url,
        ];
        if (pin)
        {
            foreach (var argument in (string[])["-c", "1", "wrk"])
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in wrk)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(duration + TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk exited with {process.ExitCode}: {await error}");
        }

        return WrkResult.Parse(await output);
    }
}
