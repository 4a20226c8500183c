using System.Text.Json;
using EdgeCache.Cli;
using EdgeCache.Cli.Publishing;
using EdgeCache.Cli.Rendering;
using EdgeCache.IntegrationTests.Infrastructure;

namespace EdgeCache.IntegrationTests;

/// <summary><c>edgecache publish</c>, <c>purge</c> and <c>status</c>: the real built executable against a real origin and edges.</summary>
public sealed class OperatorCliTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("edgecache-cli-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task Publish_of_a_directory_with_wait_is_served_by_every_edge_once_it_answers()
    {
        await using var fleet = await TestFleet.StartAsync();
        var site = Site(("index.html", "<h1>home</h1>"), ("css/site.css", "body{color:red}"), ("img/logo.bin", new string('x', 300_000)));

        var (exitCode, output, error) = await CliProcess.RunAsync(["publish", site, "--tag", "site", "--wait"], Connection(fleet.Origin));

        Assert.True(exitCode == 0, error);
        Assert.Contains("3 files, 3 uploaded", output);
        Assert.Contains("confirmed by 6 edges", output);
        // The wait answered only after every edge applied the change: each serves the new content now.
        foreach (var edge in fleet.Edges)
        {
            Assert.Equal("<h1>home</h1>", await edge.Edge.Client.GetStringAsync("/index.html"));
            using var css = await edge.Edge.Client.GetAsync("/css/site.css");
            Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        }

        var changes = await fleet.Origin.ChangesAsync();
        Assert.All(changes.GetProperty("entries").EnumerateArray(), e => Assert.Equal("site", Assert.Single(e.GetProperty("tags").EnumerateArray()).GetString()));
    }

    [Fact]
    public async Task Publishing_again_uploads_and_changes_only_what_changed()
    {
        await using var origin = await TestOrigin.StartAsync();
        var site = Site(("a.html", "a"), ("b.html", "b"), ("c.html", "c"));
        var first = Json(await PublishAsync(origin, site, "--json"));
        Assert.Equal(3, first.GetProperty("uploaded").GetInt32());
        Assert.Equal(3, first.GetProperty("changes").GetInt32());

        File.WriteAllText(Path.Combine(site, "b.html"), "b, edited");
        var second = Json(await PublishAsync(origin, site, "--json"));
        var third = Json(await PublishAsync(origin, site, "--json"));

        Assert.Equal(1, second.GetProperty("uploaded").GetInt32());
        Assert.Equal(1, second.GetProperty("changes").GetInt32());
        Assert.Equal(2, second.GetProperty("unchanged").GetInt32());
        Assert.Equal(0, third.GetProperty("uploaded").GetInt32());
        Assert.Equal(0, third.GetProperty("changes").GetInt32());
        var log = (await origin.ChangesAsync()).GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("path").GetString()).ToList();
        Assert.Equal(["/a.html", "/b.html", "/c.html", "/b.html"], log);
        Assert.Equal("b, edited", await origin.Client.GetStringAsync("/b.html"));
    }

    [Fact]
    public async Task Publish_to_a_prefix_with_delete_unpublishes_what_the_directory_no_longer_has()
    {
        await using var origin = await TestOrigin.StartAsync();
        await origin.PutAsync("/outside.html", "not under the prefix");
        var site = Site(("keep.txt", "k"), ("drop.txt", "d"));
        await PublishAsync(origin, site, "--to", "/static");
        File.Delete(Path.Combine(site, "drop.txt"));

        var report = Json(await PublishAsync(origin, site, "--to", "/static/", "--delete", "--json"));

        Assert.Equal(1, report.GetProperty("deletes").GetInt32());
        Assert.Equal("k", await origin.Client.GetStringAsync("/static/keep.txt"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await origin.Client.GetAsync("/static/drop.txt")).StatusCode);
        Assert.Equal("not under the prefix", await origin.Client.GetStringAsync("/outside.html"));
    }

    [Fact]
    public async Task Single_files_publish_under_the_prefix_by_their_name()
    {
        await using var origin = await TestOrigin.StartAsync();
        var site = Site(("logo.png", "png bytes"), ("notes.txt", "n"));

        await PublishAsync(origin, Path.Combine(site, "logo.png"), "--to", "/img");

        using var logo = await origin.Client.GetAsync("/img/logo.png");
        Assert.Equal("image/png", logo.Content.Headers.ContentType?.MediaType);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await origin.Client.GetAsync("/img/notes.txt")).StatusCode);
    }

    [Fact]
    public async Task Purge_by_tag_with_wait_makes_every_edge_fetch_those_objects_again_and_only_those()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 2, edgesPerRegion: 1);
        await PublishAsync(fleet.Origin, Site(("style.css", "css v1")), "--tag", "css", "--wait");
        await PublishAsync(fleet.Origin, Site(("page.html", "html v1")), "--tag", "html", "--wait");
        foreach (var edge in fleet.Edges)
        {
            await edge.Edge.Client.GetStringAsync("/style.css");
            await edge.Edge.Client.GetStringAsync("/page.html");
            Assert.Contains("; hit", await CacheStatusAsync(edge, "/style.css"));
        }

        var (exitCode, output, error) = await CliProcess.RunAsync(["purge", "--tag", "css", "--wait"], Connection(fleet.Origin));

        Assert.True(exitCode == 0, error);
        Assert.Contains("confirmed by 2 edges", output);
        foreach (var edge in fleet.Edges)
        {
            Assert.DoesNotContain("; hit", await CacheStatusAsync(edge, "/style.css"));
            Assert.Contains("; hit", await CacheStatusAsync(edge, "/page.html"));
        }
    }

    [Fact]
    public async Task A_waited_purge_an_edge_does_not_confirm_exits_1_naming_it()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 2, edgesPerRegion: 1);
        var stalled = fleet.Edges[1];
        stalled.Relay.Stall();

        var (exitCode, output, error) = await CliProcess.RunAsync(["purge", "--all", "--wait", "--timeout", "1s", "--json"], Connection(fleet.Origin));

        Assert.Equal(1, exitCode);
        var answer = Json(output);
        Assert.Equal([fleet.Edges[0].Id], answer.GetProperty("acked").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([stalled.Id], answer.GetProperty("pending").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal($"edgecache: not confirmed within 1s by 1 edge: {stalled.Id}", error.Trim());
    }

    [Fact]
    public async Task Status_json_is_the_origins_fleet_report_with_every_edge()
    {
        await using var fleet = await TestFleet.StartAsync();
        await PublishAsync(fleet.Origin, Site(("x.txt", "x")), "--wait");

        var (exitCode, output, error) = await CliProcess.RunAsync(["status", "--json"], Connection(fleet.Origin));

        Assert.True(exitCode == 0, error);
        var report = Json(output);
        var head = report.GetProperty("head").GetInt64();
        var edges = report.GetProperty("edges").EnumerateArray().ToList();
        Assert.Equal(fleet.Edges.Select(e => e.Id).Order(), edges.Select(e => e.GetProperty("id").GetString()).Order());
        Assert.All(edges, e =>
        {
            Assert.True(e.GetProperty("connected").GetBoolean());
            Assert.Equal(head, e.GetProperty("applied").GetInt64());
        });
    }

    [Fact]
    public async Task Status_prints_one_table_per_region_with_every_edge()
    {
        await using var fleet = await TestFleet.StartAsync();

        var (exitCode, output, error) = await CliProcess.RunAsync(["status"], Connection(fleet.Origin));

        Assert.True(exitCode == 0, error);
        Assert.Contains("6 edges, 6 connected", output);
        foreach (var region in TestFleet.DefaultRegions)
        {
            Assert.Contains($"region {region}: 2 of 2 edges connected", output);
        }

        foreach (var edge in fleet.Edges)
        {
            var row = Assert.Single(output.Split('\n'), l => l.Contains($" {edge.Id} ", StringComparison.Ordinal));
            Assert.Contains(edge.Edge.Url.TrimEnd('/'), row);
            Assert.Contains("yes", row);
        }

        foreach (var header in new[] { "edge", "endpoint", "applied", "lag", "connected", "hit ratio", "objects", "bytes" })
        {
            Assert.Contains(header, output);
        }
    }

    [Fact]
    public async Task Status_of_a_path_shows_which_edges_hold_it_and_its_etag()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 2, edgesPerRegion: 1);
        await PublishAsync(fleet.Origin, Site(("index.html", "home")), "--wait");
        var warm = fleet.Edges[0];
        await warm.Edge.Client.GetStringAsync("/index.html");

        var (exitCode, output, error) = await CliProcess.RunAsync(["status", "--path", "/index.html"], Connection(fleet.Origin));
        var (jsonExit, json, _) = await CliProcess.RunAsync(["status", "--path", "/index.html", "--json"], Connection(fleet.Origin));

        Assert.True(exitCode == 0, error);
        Assert.Equal(0, jsonExit);
        var report = Json(json);
        var etag = report.GetProperty("originETag").GetString()!;
        Assert.Contains($"/index.html  origin etag {etag}", output);
        var warmRow = Assert.Single(output.Split('\n'), l => l.Contains($" {warm.Id} ", StringComparison.Ordinal));
        Assert.Contains(" yes ", warmRow);
        Assert.Contains(etag, warmRow);
        var coldRow = Assert.Single(output.Split('\n'), l => l.Contains($" {fleet.Edges[1].Id} ", StringComparison.Ordinal));
        Assert.Contains(" no ", coldRow);
        var edges = report.GetProperty("edges").EnumerateArray().ToDictionary(e => e.GetProperty("id").GetString()!);
        Assert.True(edges[warm.Id].GetProperty("stored").GetBoolean());
        Assert.Equal(etag, edges[warm.Id].GetProperty("eTag").GetString());
        Assert.False(edges[fleet.Edges[1].Id].GetProperty("stored").GetBoolean());
    }

    [Fact]
    public async Task Status_of_a_path_compares_the_content_not_the_compressed_variant_an_edge_holds()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 1, edgesPerRegion: 1);
        await PublishAsync(fleet.Origin, Site(("page.html", "<p>" + new string('x', 2000) + "</p>")), "--wait");
        var edge = fleet.Edges[0];
        using var brotli = new HttpRequestMessage(HttpMethod.Get, "/page.html");
        brotli.Headers.AcceptEncoding.ParseAdd("gzip, deflate, br");
        using var warmed = await edge.Edge.Client.SendAsync(brotli);
        Assert.Equal("br", Assert.Single(warmed.Content.Headers.ContentEncoding));

        var (exitCode, json, error) = await CliProcess.RunAsync(["status", "--path", "/page.html", "--json"], Connection(fleet.Origin));

        Assert.True(exitCode == 0, error);
        var report = Json(json);
        var etag = report.GetProperty("originETag").GetString()!;
        Assert.Equal($"{etag[..^1]}-br\"", warmed.Headers.ETag!.ToString());
        // The edge holds the br variant of the origin's current content: up to date, not a different tag.
        Assert.Equal(etag, Assert.Single(report.GetProperty("edges").EnumerateArray()).GetProperty("eTag").GetString());
    }

    [Fact]
    public async Task Origin_and_token_come_from_a_config_file_and_command_options_from_its_command_section()
    {
        await using var origin = await TestOrigin.StartAsync();
        var config = Path.Combine(_work.FullName, "edgecache.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new
        {
            Client = new { Origin = origin.Url, Token = TestOrigin.Token, Publish = new { To = "/from-config", Tag = new[] { "a", "b" } } },
        }));

        var (exitCode, _, error) = await CliProcess.RunAsync(["publish", Site(("f.txt", "f")), "--config", config]);

        Assert.True(exitCode == 0, error);
        var entry = Assert.Single((await origin.ChangesAsync()).GetProperty("entries").EnumerateArray());
        Assert.Equal("/from-config/f.txt", entry.GetProperty("path").GetString());
        Assert.Equal(["a", "b"], entry.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task The_command_line_wins_over_the_environment_which_wins_over_the_config_file()
    {
        await using var origin = await TestOrigin.StartAsync();
        var config = Path.Combine(_work.FullName, "edgecache.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new { Client = new { Origin = "http://127.0.0.1:1", Token = "wrong", Publish = new { To = "/config" } } }));
        var environment = new Dictionary<string, string?>
        {
            ["EDGECACHE_CONFIG"] = config,
            ["EDGECACHE_ORIGIN"] = origin.Url,
            ["EDGECACHE_TOKEN"] = TestOrigin.Token,
            ["EDGECACHE_PUBLISH_TO"] = "/environment",
        };

        var (fromEnvironment, _, error) = await CliProcess.RunAsync(["publish", Site(("e.txt", "e"))], environment);
        var (fromCommandLine, _, _) = await CliProcess.RunAsync(["publish", Site(("c.txt", "c")), "--to", "/command-line"], environment);

        Assert.True(fromEnvironment == 0, error);
        Assert.Equal(0, fromCommandLine);
        Assert.Equal("e", await origin.Client.GetStringAsync("/environment/e.txt"));
        Assert.Equal("c", await origin.Client.GetStringAsync("/command-line/c.txt"));
    }

    [Fact]
    public async Task A_tag_set_for_publishing_in_the_environment_does_not_select_what_purge_purges()
    {
        await using var origin = await TestOrigin.StartAsync();
        var environment = Connection(origin);
        environment["EDGECACHE_PUBLISH_TAG"] = "site";

        var (exitCode, _, error) = await CliProcess.RunAsync(["purge"], environment);

        Assert.Equal(2, exitCode);
        Assert.Contains("nothing to purge", error);
        Assert.Equal(0, (await origin.ChangesAsync()).GetProperty("head").GetInt64());
    }

    [Fact]
    public async Task Errors_a_person_meets_are_one_line_with_the_right_exit_code()
    {
        await using var origin = await TestOrigin.StartAsync();
        var site = Site(("a.txt", "a"));
        var unreachable = $"http://127.0.0.1:{Deadline.ClosedPort()}";
        var cases = new (string[] Args, Dictionary<string, string?> Environment, int ExitCode, string Says)[]
        {
            (["status"], Connection(origin, token: "not-the-token"), 1, "refused the token (401)"),
            (["publish", site], new() { ["EDGECACHE_ORIGIN"] = unreachable, ["EDGECACHE_TOKEN"] = "t" }, 1, $"cannot reach the origin at {unreachable}/"),
            (["publish", Path.Combine(_work.FullName, "no-such-dir")], Connection(origin), 1, "no-such-dir: no such file or directory"),
            (["publish", site, "--to", "/a/../b"], Connection(origin), 2, "--to"),
            (["publish", site, "--wait", "--timeout", "forever"], Connection(origin), 2, "--timeout"),
            (["status", "--no-such-option"], Connection(origin), 2, "--no-such-option"),
            (["status"], new() { ["EDGECACHE_TOKEN"] = "t" }, 2, "no origin"),
            (["status", "--origin", "ftp://example"], new() { ["EDGECACHE_TOKEN"] = "t" }, 2, "ftp://example"),
            (["status", "--config", Path.Combine(_work.FullName, "missing.json")], Connection(origin), 2, "missing.json"),
        };

        foreach (var (args, environment, expected, says) in cases)
        {
            var (exitCode, _, error) = await CliProcess.RunAsync(args, environment);
            Assert.True(expected == exitCode, $"{string.Join(' ', args)}: exit {exitCode}, {error}");
            var first = error.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0];
            Assert.StartsWith("edgecache: ", first);
            Assert.Contains(says, error);
            Assert.DoesNotContain("   at ", error);
            if (expected == 1)
            {
                Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            }
        }

        Assert.Equal(0, (await origin.ChangesAsync()).GetProperty("head").GetInt64());
    }

    [Fact]
    public async Task Ctrl_c_during_a_publish_stops_it_with_one_line_and_exit_1()
    {
        await using var origin = await TestOrigin.StartAsync();
        await using var relay = TcpRelay.Start(origin.Url);
        relay.Stall();
        await using var publish = CliProcess.Start(["publish", Site(("a.txt", "a"))], new Dictionary<string, string?>
        {
            ["EDGECACHE_ORIGIN"] = relay.Url,
            ["EDGECACHE_TOKEN"] = TestOrigin.Token,
        });
        Assert.True(await Deadline.UntilAsync(() => Task.FromResult(relay.Accepted > 0), TimeSpan.FromSeconds(30)), "publish never connected");

        publish.Interrupt();

        Assert.Equal(1, await publish.WaitForExitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal("edgecache: interrupted", publish.Error.Trim());
        relay.Restore();
        Assert.Equal(0, (await origin.ChangesAsync()).GetProperty("head").GetInt64());
    }

    [Fact]
    public async Task A_large_upload_on_a_terminal_shows_a_progress_bar()
    {
        await using var origin = await TestOrigin.StartAsync();
        var big = Site(("big.bin", new string('b', (int)Publisher.ProgressBarBytes * 2)));
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await EdgeCacheCommand.RunAsync(
            ["publish", big, "--origin", origin.Url, "--token", TestOrigin.Token],
            new CliConsole(output, error, interactive: true));

        Assert.True(exitCode == 0, error.ToString());
        Assert.Contains("uploading 1 files (2.0 MiB)", output.ToString());
        Assert.Contains("100%", output.ToString());
    }

    private static Dictionary<string, string?> Connection(TestOrigin origin, string token = TestOrigin.Token)
        => new() { ["EDGECACHE_ORIGIN"] = origin.Url, ["EDGECACHE_TOKEN"] = token };

    private static async Task<string> PublishAsync(TestOrigin origin, string path, params string[] options)
    {
        var (exitCode, output, error) = await CliProcess.RunAsync(["publish", path, .. options], Connection(origin));
        Assert.True(exitCode == 0, $"publish failed ({exitCode}): {error}");
        return output;
    }

    private static async Task<string> CacheStatusAsync(FleetEdge edge, string path)
    {
        using var response = await edge.Edge.Client.GetAsync(path);
        return response.Headers.GetValues("Cache-Status").Single();
    }

    private static JsonElement Json(string output) => JsonDocument.Parse(output).RootElement.Clone();

    private string Site(params (string Path, string Content)[] files)
    {
        var root = Directory.CreateDirectory(Path.Combine(_work.FullName, "site-" + Guid.NewGuid().ToString("N"))).FullName;
        foreach (var (path, content) in files)
        {
            var file = Path.Combine(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, content);
        }

        return root;
    }
}
