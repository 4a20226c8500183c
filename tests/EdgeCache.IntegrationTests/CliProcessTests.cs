using System.Diagnostics;
using EdgeCache.IntegrationTests.Infrastructure;

namespace EdgeCache.IntegrationTests;

public sealed class CliProcessTests
{
    [Fact]
    public async Task Edgecache_edge_runs_as_a_process_and_caches()
    {
        await using var upstream = await TestUpstream.StaticAsync("through the real binary");
        var cli = Path.Combine(AppContext.BaseDirectory, "edgecache.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { cli, "edge", "--listen", "http://127.0.0.1:0" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The upstream and the cache size come from the environment, as operators may set them.
        start.Environment["EDGECACHE_UPSTREAM"] = upstream.Url;
        start.Environment["EDGECACHE_CACHE_SIZE"] = "1MB";

        using var process = Process.Start(start)!;
        try
        {
            string? url = null;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (url is null && await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("edge listening on ", StringComparison.Ordinal))
                {
                    url = line["edge listening on ".Length..];
                }
            }

            Assert.NotNull(url);
            using var client = new HttpClient { BaseAddress = new Uri(url) };
            Assert.Equal("through the real binary", await client.GetStringAsync("/p"));
            using var second = await client.GetAsync("/p");
            Assert.StartsWith("EdgeCache; hit", second.Headers.GetValues("Cache-Status").Single());
            var stats = await client.GetStringAsync("/_edge/stats");
            Assert.Contains("\"capacity\":1048576", stats);
            Assert.Equal(1, upstream.Requests);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
