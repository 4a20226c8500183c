using System.Net.Http.Headers;
using System.Text.Json;
using EdgeCache.Bench.Contenders;

namespace EdgeCache.Bench.Scenarios;

/// <summary>
/// The edge's resident memory per cached 1 KiB object: a fresh edge is warmed with objects for
/// at least <see cref="WarmTime"/> (so the runtime, the JIT and the GC's budgets are in place: the
/// JIT's code is shared memory too, and still grew by about 40 B per object of the measured
/// window after a warm-up of 20,000 objects, about 4 s), then filled
/// with N more in ten steps, its resident set read after each. What one object costs is the
/// slope of resident bytes over objects (least squares over the eleven readings): a single
/// reading moves by up to the GC's allocation budget, depending on when it last collected,
/// which the slope averages out.
/// </summary>
internal sealed class EdgeMemory(BenchOptions options, EdgeContender edge)
{
    private const int WarmBatch = 20_000;
    private static readonly TimeSpan WarmTime = TimeSpan.FromSeconds(45);
    private const int Parallel = 32;
    private const int Steps = 10;

    public async Task<string> RunAsync()
    {
        using var client = new HttpClient();
        var warm = 0;
        var warming = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            await FillAsync(client, "warm", warm, warm + WarmBatch);
            warm += WarmBatch;
        }
        while (warming.Elapsed < WarmTime);
        var warmedFor = warming.Elapsed;

        var entriesBefore = await EntriesAsync(client);
        var readings = new List<(double Objects, double Bytes)> { (0, await SettledResidentBytesAsync()) };
        for (var step = 1; step <= Steps; step++)
        {
            var from = (int)((long)options.MemoryObjects * (step - 1) / Steps);
            var to = (int)((long)options.MemoryObjects * step / Steps);
            await FillAsync(client, "object", from, to);
            readings.Add((to, await SettledResidentBytesAsync()));
        }

        var (entries, bytes) = await StatisticsAsync(client);
        var added = entries - entriesBefore;
        if (added != options.MemoryObjects)
        {
            throw new InvalidOperationException($"the edge stored {added} of the {options.MemoryObjects} objects");
        }

        if (options.HeapReport)
        {
            await PrintHeapAsync();
        }

        var before = readings[0].Bytes;
        var after = readings[^1].Bytes;
        var endpoints = (after - before) / added;
        var slope = Slope(readings);
        Console.Error.WriteLine($"  resident {before / 1048576.0:0.0} MiB -> {after / 1048576.0:0.0} MiB for {added:N0} objects; readings (MiB): "
            + string.Join(", ", readings.Select(r => (r.Bytes / 1048576.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture))));
        return $"""
            Edge memory: {added:N0} cached 1 KiB objects (after {warm:N0} in {warmedFor.TotalSeconds:0} s to warm up) grew the edge's resident set from {before / 1048576.0:0.0} MiB to {after / 1048576.0:0.0} MiB: **{slope:N0} bytes ({slope / 1024:0.00} KiB) per object** (slope over {Steps + 1} readings; first to last reading: {endpoints:N0} bytes). The cache's own accounting: {entries:N0} entries, {bytes / (double)entries:N0} bytes each.

            """;
    }

    /// <summary>The least-squares slope of bytes over objects.</summary>
    private static double Slope(List<(double Objects, double Bytes)> readings)
    {
        var meanX = readings.Average(r => r.Objects);
        var meanY = readings.Average(r => r.Bytes);
        var covariance = readings.Sum(r => (r.Objects - meanX) * (r.Bytes - meanY));
        var variance = readings.Sum(r => (r.Objects - meanX) * (r.Objects - meanX));
        return covariance / variance;
    }

    /// <summary>The resident set once the edge is idle: background collections finish within the pause.</summary>
    private async Task<long> SettledResidentBytesAsync()
    {
        await Task.Delay(TimeSpan.FromSeconds(1));
        var (anonymous, shared) = edge.ResidentParts();
        Console.Error.WriteLine($"  resident {edge.ResidentBytes() / 1048576.0:0.0} MiB: anonymous {anonymous / 1048576.0:0.0} MiB, shared {shared / 1048576.0:0.0} MiB");
        return edge.ResidentBytes();
    }

    private async Task PrintHeapAsync()
    {
        // dotnet-gcdump forces a full collection and lists the live objects by type, largest first.
        var start = new System.Diagnostics.ProcessStartInfo("dotnet-gcdump") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["report", "-p", edge.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = System.Diagnostics.Process.Start(start)!;
            var lines = (await process.StandardOutput.ReadToEndAsync()).Split('\n');
            await process.WaitForExitAsync();
            Console.Error.WriteLine(string.Join('\n', lines.Take(400)));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.Error.WriteLine("  no heap report: install dotnet-gcdump (dotnet tool install -g dotnet-gcdump)");
        }
    }

    private async Task FillAsync(HttpClient client, string prefix, int from, int to)
    {
        var next = from - 1;
        var workers = Enumerable.Range(0, Parallel).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < to)
            {
                using var response = await client.GetAsync($"{edge.Url}/obj/1024/{prefix}-{i}");
                var body = await response.Content.ReadAsByteArrayAsync();
                if (!response.IsSuccessStatusCode || body.Length != 1024)
                {
                    throw new InvalidOperationException($"the edge answered {(int)response.StatusCode} with {body.Length} bytes");
                }
            }
        });
        await Task.WhenAll(workers);
    }

    private async Task<long> EntriesAsync(HttpClient client) => (await StatisticsAsync(client)).Entries;

    private async Task<(long Entries, long Bytes)> StatisticsAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{edge.Url}/_edge/stats");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", EdgeContender.Token);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (json.RootElement.GetProperty("entries").GetInt64(), json.RootElement.GetProperty("bytes").GetInt64());
    }
}
