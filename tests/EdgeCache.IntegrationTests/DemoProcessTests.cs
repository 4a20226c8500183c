using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using EdgeCache.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeCache.IntegrationTests;

/// <summary><c>edgecache demo</c> as a person runs it: the real binary, its printed lines, its site served by its edges, Ctrl-C.</summary>
public sealed class DemoProcessTests(ITestOutputHelper log)
{
    private static readonly TimeSpan StartWithin = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(5);
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task The_default_demo_serves_its_site_from_every_region_and_stops_cleanly_on_ctrl_c()
    {
        await using var process = CliProcess.Start(["demo"]);
        var demo = await DemoLines.ReadAsync(process);

        Assert.Matches(@"^http://127\.0\.0\.1:\d+$", demo.Origin);
        Assert.Matches("^[0-9a-f]{32}$", demo.Token);
        Assert.Equal(
            [
                ("127.0.1.1", "us-east", "us-east-1"), ("127.0.1.2", "us-east", "us-east-2"),
                ("127.0.2.1", "eu-west", "eu-west-1"), ("127.0.2.2", "eu-west", "eu-west-2"),
                ("127.0.3.1", "ap-south", "ap-south-1"), ("127.0.3.2", "ap-south", "ap-south-2"),
            ],
            demo.Edges.Select(e => (new Uri(e.Url).Host, e.Region, e.Id)));
        Assert.True(demo.DataIsTemporary);
        Assert.True(Directory.Exists(demo.Data));
        Assert.Matches(@"^127\.0\.0\.1:\d+ zone edgecache\.test$", demo.Dns);
        await AssertDnsAnswersEveryEdgeAsync(IPEndPoint.Parse(demo.Dns.Split(' ')[0]), demo.Edges.Select(e => new Uri(e.Url).Host));
        Assert.Matches(@"^published the sample site: \d+ files, seq \d+$", demo.Published);

        foreach (var edge in demo.Edges.GroupBy(e => e.Region).Select(region => region.First()))
        {
            using var client = new HttpClient { BaseAddress = new Uri(edge.Url) };
            await AssertServedAndCachedAsync(client, edge.Id, "/", "text/html");
            await AssertServedAndCachedAsync(client, edge.Id, "/css/site.css", "text/css");
            var logo = await AssertServedAndCachedAsync(client, edge.Id, "/img/logo.png", "image/png");
            Assert.Equal(PngSignature, logo[..PngSignature.Length]);
        }

        var (exitCode, output, error) = await CliProcess.RunAsync(["status", "--origin", demo.Origin, "--token", demo.Token, "--json"]);
        Assert.True(exitCode == 0, error);
        var edges = JsonDocument.Parse(output).RootElement.GetProperty("edges").EnumerateArray().ToList();
        Assert.Equal(6, edges.Count(e => e.GetProperty("connected").GetBoolean()));
        var published = long.Parse(demo.Published.Split(' ')[^1], CultureInfo.InvariantCulture);
        await process.WaitForLineAsync(l => l == $"origin {demo.Origin}/  head {published}  6 edges, 6 connected", StartWithin);

        // The files carry the tags the hints promise; the new head makes the dashboard print the table again.
        (exitCode, _, error) = await CliProcess.RunAsync(["purge", "--tag", "css", "--wait", "--origin", demo.Origin, "--token", demo.Token]);
        Assert.True(exitCode == 0, error);
        using (var edge = new HttpClient { BaseAddress = new Uri(demo.Edges[0].Url) })
        using (var css = await edge.GetAsync("/css/site.css"))
        {
            Assert.DoesNotContain("; hit", css.Headers.GetValues("Cache-Status").Single());
        }

        await process.WaitForLineAsync(l => l.StartsWith($"origin {demo.Origin}/  head {published + 1}  ", StringComparison.Ordinal), StartWithin);

        var stopping = Stopwatch.StartNew();
        process.Interrupt();
        Assert.Equal(0, await process.WaitForExitAsync(ExitWithin));
        log.WriteLine($"edgecache demo exited {stopping.ElapsedMilliseconds} ms after SIGINT");

        Assert.False(Directory.Exists(demo.Data), $"{demo.Data} was not removed");
        // Nothing went wrong, so the demo had nothing to warn about.
        Assert.Equal(string.Empty, process.Error);
    }

    [Fact]
    public async Task A_given_data_folder_is_kept_with_the_origins_files()
    {
        var parent = Directory.CreateTempSubdirectory("edgecache-demo-test-").FullName;
        var data = Path.Combine(parent, "data");
        try
        {
            // The region from the environment, as the option's description promises.
            await using (var process = CliProcess.Start(["demo", "--edges-per-region", "1", "--data", data], new Dictionary<string, string?> { ["EDGECACHE_REGIONS"] = "ap-south" }))
            {
                var demo = await DemoLines.ReadAsync(process);
                Assert.Equal(["ap-south-1"], demo.Edges.Select(e => e.Id));
                Assert.Equal(data, demo.Data);
                Assert.False(demo.DataIsTemporary);

                process.Interrupt();
                Assert.Equal(0, await process.WaitForExitAsync(ExitWithin));
            }

            Assert.True(File.Exists(Path.Combine(data, "manifest.json")));
            Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(data, "blobs"), "*", SearchOption.AllDirectories));
            Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(data, "log")));
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public async Task One_region_with_one_edge_starts_exactly_one_edge()
    {
        await using var process = CliProcess.Start(["demo", "--regions", "eu-west", "--edges-per-region", "1"]);
        var demo = await DemoLines.ReadAsync(process);

        var edge = Assert.Single(demo.Edges);
        Assert.Equal(("127.0.1.1", "eu-west", "eu-west-1"), (new Uri(edge.Url).Host, edge.Region, edge.Id));
        // Printed right after the "published" line that ReadAsync waited for, so it may still be on its way.
        Assert.Equal($"try: curl -i {edge.Url}/", await process.WaitForLineAsync(l => l.StartsWith("try: curl", StringComparison.Ordinal), StartWithin));

        process.Interrupt();
        Assert.Equal(0, await process.WaitForExitAsync(ExitWithin));
    }

    /// <summary>The demo's GeoDNS responder answers its zone with every edge's address, over UDP and over TCP (asked with the real dig).</summary>
    private static async Task AssertDnsAnswersEveryEdgeAsync(IPEndPoint dns, IEnumerable<string> edges)
    {
        var expected = edges.Order().ToList();
        foreach (var transport in new[] { "+notcp", "+tcp" })
        {
            // The responder reads the fleet from the origin every second: poll until it has every edge.
            var answered = await Deadline.UntilAsync(
                async () =>
                {
                    var (exitCode, output, _) = await CliProcess.RunProgramAsync(
                        "dig", [$"@{dns.Address}", "-p", dns.Port.ToString(CultureInfo.InvariantCulture), "edgecache.test", "A", "+short", "+time=3", "+tries=2", transport]);
                    return exitCode == 0 && output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().SequenceEqual(expected);
                },
                TimeSpan.FromSeconds(20));
            Assert.True(answered, $"dig {transport} never got every edge from the demo's DNS");
        }
    }

    /// <summary>GETs <paramref name="path"/> twice: 200 with <paramref name="mediaType"/>, the second time from the edge's cache; answers the body.</summary>
    /// <remarks>An edge names itself in Cache-Status by its id (RFC 9211's cache name), so a demo edge's hit reads <c>us-east-1; hit</c>.</remarks>
    private static async Task<byte[]> AssertServedAndCachedAsync(HttpClient edge, string id, string path, string mediaType)
    {
        using var first = await edge.GetAsync(path);
        Assert.Equal(System.Net.HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(mediaType, first.Content.Headers.ContentType?.MediaType);

        using var second = await edge.GetAsync(path);
        Assert.Equal(System.Net.HttpStatusCode.OK, second.StatusCode);
        Assert.StartsWith(id + "; hit", second.Headers.GetValues("Cache-Status").Single());
        var body = await second.Content.ReadAsByteArrayAsync();
        Assert.Equal(await first.Content.ReadAsByteArrayAsync(), body);
        return body;
    }

    /// <summary>The lines a starting demo prints, read up to <c>published the sample site</c>.</summary>
    private sealed record DemoLines(string Origin, string Token, IReadOnlyList<(string Url, string Region, string Id)> Edges, string Data, bool DataIsTemporary, string Dns, string Published)
    {
        private const string Temporary = " (removed at exit)";

        public static async Task<DemoLines> ReadAsync(CliProcess process)
        {
            var origin = Field(await process.WaitForLineAsync(l => l.StartsWith("origin ", StringComparison.Ordinal), StartWithin), "origin ");
            var token = Field(await process.WaitForLineAsync(l => l.StartsWith("token ", StringComparison.Ordinal), StartWithin), "token ");
            var edges = new List<(string, string, string)>();
            string line;
            while ((line = await process.WaitForLineAsync(_ => true, StartWithin)).StartsWith("edge ", StringComparison.Ordinal))
            {
                // edge <url> region <region> id <id>
                var words = line.Split(' ');
                Assert.Equal(6, words.Length);
                Assert.Equal(("region", "id"), (words[2], words[4]));
                edges.Add((words[1], words[3], words[5]));
            }

            var data = Field(line, "data ");
            var temporary = data.EndsWith(Temporary, StringComparison.Ordinal);
            // dns <ip:port> zone <zone>, right after the data line.
            var dns = Field(await process.WaitForLineAsync(_ => true, StartWithin), "dns ");
            var published = await process.WaitForLineAsync(l => l.StartsWith("published the sample site", StringComparison.Ordinal), StartWithin);
            return new DemoLines(origin, token, edges, temporary ? data[..^Temporary.Length] : data, temporary, dns, published);
        }

        private static string Field(string line, string prefix)
        {
            Assert.StartsWith(prefix, line);
            return line[prefix.Length..];
        }
    }
}
