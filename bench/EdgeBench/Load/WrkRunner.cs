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

        var serverBefore = pin ? CoreTimes.Read(0) : null;
        var loadBefore = pin ? CoreTimes.Read(1) : null;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(duration + TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk exited with {process.ExitCode}: {await error}");
        }

        var serverAfter = pin ? CoreTimes.Read(0) : null;
        var loadAfter = pin ? CoreTimes.Read(1) : null;
        var result = WrkResult.Parse(await output);
        if (serverBefore is { } server0 && serverAfter is { } server1 && loadBefore is { } load0 && loadAfter is { } load1)
        {
            // wrk's start and exit fall inside the window too; against 10 s of load they are noise.
            var requests = result.RequestsPerSecond * duration.TotalSeconds;
            result = result with
            {
                ServerCoreBusy = server0.BusyShareUntil(server1),
                LoadCoreBusy = load0.BusyShareUntil(load1),
                ServerMicrosecondsPerRequest = requests > 0 ? server0.BusyMicrosecondsUntil(server1) / requests : double.NaN,
            };
        }

        return result;
    }
}
