using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeCache.Bench.Load;

/// <summary>What one wrk run measured; the CPU figures are NaN when the run was not pinned.</summary>
internal sealed partial record WrkResult(double RequestsPerSecond, double P50Ms, double P99Ms, long Errors)
{
    /// <summary>How busy the server's core (CPU 0) was, 0 to 1.</summary>
    public double ServerCoreBusy { get; init; } = double.NaN;

    /// <summary>How busy wrk's core (CPU 1) was, 0 to 1: near 1, the load generator is the bottleneck.</summary>
    public double LoadCoreBusy { get; init; } = double.NaN;

    /// <summary>Server core time per request, in microseconds.</summary>
    public double ServerMicrosecondsPerRequest { get; init; } = double.NaN;

    /// <summary>Reads wrk's <c>--latency</c> report; throws when a figure is missing.</summary>
    public static WrkResult Parse(string output)
    {
        var rps = RequestsPerSecondLine().Match(output);
        var p50 = Percentile("50%").Match(output);
        var p99 = Percentile("99%").Match(output);
        if (!rps.Success || !p50.Success || !p99.Success)
        {
            throw new FormatException($"wrk printed no latency distribution:\n{output}");
        }

        long errors = 0;
        foreach (Match match in NonSuccessLine().Matches(output))
        {
            errors += long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        foreach (Match match in SocketErrorLine().Matches(output))
        {
            for (var g = 1; g <= 4; g++)
            {
                errors += long.Parse(match.Groups[g].Value, CultureInfo.InvariantCulture);
            }
        }

        return new WrkResult(
            double.Parse(rps.Groups[1].Value, CultureInfo.InvariantCulture),
            Milliseconds(p50),
            Milliseconds(p99),
            errors);
    }

    private static double Milliseconds(Match match)
    {
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "us" => value / 1000,
            "ms" => value,
            "s" => value * 1000,
            "m" => value * 60_000,
            var unit => throw new FormatException($"unknown wrk time unit '{unit}'"),
        };
    }

    private static Regex Percentile(string name) => new($@"^\s*{Regex.Escape(name)}\s+([0-9.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline);

    [GeneratedRegex(@"^Requests/sec:\s+([0-9.]+)", RegexOptions.Multiline)]
    private static partial Regex RequestsPerSecondLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccessLine();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrorLine();
}
