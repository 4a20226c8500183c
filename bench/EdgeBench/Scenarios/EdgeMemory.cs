using System.Net.Http.Headers;
using System.Text.Json;
using EdgeCache.Bench.Contenders;

namespace EdgeCache.Bench.Scenarios;

/// <summary>
/// The edge's resident memory per cached 1 KiB object: a fresh edge is warmed with a few
/// thousand objects (so the runtime, the JIT and the GC's budgets are in place), then filled
/// with N more; the growth of its resident set divided by N is what one object costs.
/// </summary>
internal sealed class EdgeMemory(BenchOptions options, EdgeContender edge)
{
    private const int Warm = 5_000;
    private const int Parallel = 32;

    public async Task<string> RunAsync()
    {
        using var client = new HttpClient();
        await FillAsync(client, "warm", Warm);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var before = edge.ResidentBytes();
        var entriesBefore = await EntriesAsync(client);

        await FillAsync(client, "object", options.MemoryObjects);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var after = edge.ResidentBytes();
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

        var perObject = (double)(after - before) / added;
        Console.Error.WriteLine($"  resident {before / 1048576.0:0.0} MiB -> {after / 1048576.0:0.0} MiB for {added:N0} objects");
        return $"""
            Edge memory: {added:N0} cached 1 KiB objects (after {Warm:N0} to warm up) grew the edge's resident set from {before / 1048576.0:0.0} MiB to {after / 1048576.0:0.0} MiB: **{perObject:N0} bytes ({perObject / 1024:0.00} KiB) per object**. The cache's own accounting: {entries:N0} entries, {bytes / (double)entries:N0} bytes each.

            """;
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

    private async Task FillAsync(HttpClient client, string prefix, int count)
    {
        var next = -1;
        var workers = Enumerable.Range(0, Parallel).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
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
