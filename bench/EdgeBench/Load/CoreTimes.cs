using System.Globalization;

namespace EdgeCache.Bench.Load;

/// <summary>
/// Busy and total time of one CPU from <c>/proc/stat</c>, in clock ticks. With the server pinned to
/// CPU 0 and wrk to CPU 1, the difference over a run says which side was the bottleneck and what
/// one request cost the server's core (its process, and the softirqs that ran there).
/// </summary>
internal readonly record struct CoreTimes(long Busy, long Total)
{
    /// <summary>Clock ticks per second of <c>/proc/stat</c> (USER_HZ, 100 on Linux).</summary>
    public const double TicksPerSecond = 100;

    /// <summary>The times of CPU <paramref name="cpu"/> now; null off Linux or when the line is missing.</summary>
    public static CoreTimes? Read(int cpu)
    {
        if (!File.Exists("/proc/stat"))
        {
            return null;
        }

        var prefix = "cpu" + cpu.ToString(CultureInfo.InvariantCulture) + " ";
        foreach (var line in File.ReadLines("/proc/stat"))
        {
            if (!line.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            // user nice system idle iowait irq softirq steal ...
            var fields = line[prefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var total = fields.Take(8).Sum();
            var idle = fields[3] + fields[4];
            return new CoreTimes(total - idle, total);
        }

        return null;
    }

    /// <summary>The share of <paramref name="later"/> minus this that the CPU was busy (0 to 1).</summary>
    public double BusyShareUntil(CoreTimes later)
        => later.Total == Total ? 0 : (double)(later.Busy - Busy) / (later.Total - Total);

    /// <summary>Busy CPU time from this to <paramref name="later"/>, in microseconds.</summary>
    public double BusyMicrosecondsUntil(CoreTimes later) => (later.Busy - Busy) / TicksPerSecond * 1_000_000;
}
