using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeCache.Edge.Hosting;
using EdgeCache.Origin.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

// Publish -> every edge applied: a real origin and 3 regions x 2 edges on loopback (each edge on
// its own address), N publishes with ?wait=all, each timed from the PUT to the origin's answer
// that all 6 edges acknowledged it. Also times the same publishes without waiting, which is the
// origin's own cost (the fsync of the change), so the replication share can be read off.
//
//   dotnet run -c Release --project bench/ReplicationLatency [-- --publishes 1000]
const string Token = "bench-token";
var publishes = args.Length == 2 && args[0] == "--publishes" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1000;
string[] regions = ["us-east", "eu-west", "ap-south"];

var data = Directory.CreateTempSubdirectory("edgecache-bench-").FullName;
var apps = new List<WebApplication>();
try
{
    var origin = await OriginApplication.CreateAsync(
        new Dictionary<string, string?>
        {
            ["Origin:Listen"] = "http://127.0.0.1:0",
            ["Origin:Data"] = data,
            ["Origin:Token"] = Token,
        },
        logging: Quiet);
    await origin.StartAsync();
    apps.Add(origin);
    var originUrl = origin.Urls.First();

    for (var r = 0; r < regions.Length; r++)
    {
        for (var e = 1; e <= 2; e++)
        {
            var edge = EdgeApplication.Build(
                new Dictionary<string, string?>
                {
                    ["Edge:Listen"] = $"http://127.0.{r + 1}.{e}:0",
                    ["Edge:Origin"] = originUrl,
                    ["Edge:Region"] = regions[r],
                    ["Edge:Id"] = $"{regions[r]}-{e}",
                    ["Edge:Token"] = Token,
                },
                logging: Quiet);
            await edge.StartAsync();
            apps.Add(edge);
        }
    }

    using var admin = new HttpClient { BaseAddress = new Uri(originUrl) };
    admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    var deadline = Stopwatch.StartNew();
    while (true)
    {
        var fleet = await admin.GetFromJsonAsync<JsonElement>("/_admin/fleet");
        if (fleet.GetProperty("edges").EnumerateArray().Count(e => e.GetProperty("connected").GetBoolean()) == 6)
        {
            break;
        }

        if (deadline.Elapsed > TimeSpan.FromSeconds(30))
        {
            throw new TimeoutException("the 6 edges did not connect within 30 s");
        }

        await Task.Delay(50);
    }

    // Warm-up: JIT, connection pools, file system.
    await MeasureAsync(admin, 100, "?wait=all&timeout=5s", "warmup");
    var bare = await MeasureAsync(admin, publishes, string.Empty, "bare");
    var waited = await MeasureAsync(admin, publishes, "?wait=all&timeout=5s", "waited");

    Console.WriteLine($"publishes: {publishes}, edges: 6 (3 regions x 2), loopback, {Environment.ProcessorCount} cores");
    Report("publish, no wait (origin fsync + apply)", bare);
    Report("publish -> all 6 edges applied (wait=all)", waited);
}
finally
{
    foreach (var app in Enumerable.Reverse(apps))
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    Directory.Delete(data, recursive: true);
}

static void Quiet(ILoggingBuilder logging) => logging.SetMinimumLevel(LogLevel.Error);

static async Task<double[]> MeasureAsync(HttpClient admin, int count, string query, string label)
{
    var times = new double[count];
    var body = new byte[1024];
    for (var i = 0; i < count; i++)
    {
        using var content = new ByteArrayContent(body);
        BitConverter.TryWriteBytes(body, i);
        var started = Stopwatch.GetTimestamp();
        using var response = await admin.PutAsync($"/_admin/content/bench/{label}/{i % 50}{query}", content);
        times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (response.StatusCode != System.Net.HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"publish {i} ({label}) answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    return times;
}

static void Report(string what, double[] times)
{
    Array.Sort(times);
    double At(double p) => times[Math.Min(times.Length - 1, (int)Math.Ceiling(p * times.Length) - 1)];
    Console.WriteLine($"{what}: p50 {At(0.50):0.00} ms, p90 {At(0.90):0.00} ms, p99 {At(0.99):0.00} ms, max {times[^1]:0.00} ms");
}
