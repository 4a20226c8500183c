using EdgeCache.IntegrationTests.Infrastructure;

namespace EdgeCache.IntegrationTests;

public sealed class CliProcessTests
{
    [Fact]
    public async Task Edgecache_edge_runs_as_a_process_and_caches()
    {
        await using var upstream = await TestUpstream.StaticAsync("through the real binary");
        // The upstream and the cache size come from the environment, as operators may set them.
        await using var process = CliProcess.Start(
            ["edge", "--listen", "http://127.0.0.1:0"],
            new Dictionary<string, string?> { ["EDGECACHE_UPSTREAM"] = upstream.Url, ["EDGECACHE_CACHE_SIZE"] = "1MB" });

        var line = await process.WaitForLineAsync(l => l.StartsWith("edge listening on ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var url = line["edge listening on ".Length..];

        using var client = new HttpClient { BaseAddress = new Uri(url) };
        Assert.Equal("through the real binary", await client.GetStringAsync("/p"));
        using var second = await client.GetAsync("/p");
        Assert.StartsWith("EdgeCache; hit", second.Headers.GetValues("Cache-Status").Single());
        var stats = await client.GetStringAsync("/_edge/stats");
        Assert.Contains("\"capacity\":1048576", stats);
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task Edgecache_edge_stops_cleanly_on_ctrl_c()
    {
        await using var upstream = await TestUpstream.StaticAsync("x");
        await using var process = CliProcess.Start(["edge", "--listen", "http://127.0.0.1:0", "--upstream", upstream.Url]);
        await process.WaitForLineAsync(l => l.StartsWith("edge listening on ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        process.Interrupt();

        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData("edge", "--upstream", "http://127.0.0.1:9")]
    [InlineData("origin", "--token", "t")]
    public async Task A_server_that_cannot_listen_says_so_in_one_line_without_a_stack_trace(string command, string option, string value)
    {
        var data = Directory.CreateTempSubdirectory("edgecache-listen-").FullName;
        try
        {
            // 192.0.2.0/24 is TEST-NET-1: for documentation, never assigned to a machine.
            var (exitCode, output, error) = await CliProcess.RunAsync([command, "--listen", "http://192.0.2.1:0", option, value, .. command == "origin" ? new[] { "--data", data } : []]);

            Assert.Equal(1, exitCode);
            Assert.Equal("edgecache: cannot listen: Cannot assign requested address", error.Trim());
            Assert.DoesNotContain("   at ", output);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
