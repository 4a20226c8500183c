namespace EdgeCache.Cli.Tests;

public sealed class DemoCommandTests
{
    [Theory]
    [InlineData("--regions", "us east", "--regions")]
    [InlineData("--regions", "eu/west", "--regions")]
    [InlineData("--regions", "eu-west,us-east,eu-west", "--regions")]
    [InlineData("--regions", "", "--regions")]
    [InlineData("--regions", ",", "--regions")]
    [InlineData("--edges-per-region", "0", "--edges-per-region")]
    [InlineData("--edges-per-region", "99", "--edges-per-region")]
    [InlineData("--edges-per-region", "two", "--edges-per-region")]
    public async Task Bad_values_are_usage_errors_with_one_line_naming_the_option(string option, string value, string mentioned)
    {
        var (exitCode, output, error) = await CliRun.RunAsync("demo", option, value);

        Assert.Equal(EdgeCacheCommand.BadUsage, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("edgecache: " + mentioned + ":", line);
        Assert.DoesNotContain("   at ", error);
        // Nothing started: the origin line is the first thing a started demo prints.
        Assert.Empty(output);
    }

    [Fact]
    public async Task A_region_too_long_for_its_edge_ids_is_a_usage_error()
    {
        // 63 characters is a valid region name, but its edge ids (REGION-1) would have 65.
        var (exitCode, _, error) = await CliRun.RunAsync("demo", "--regions", new string('r', 63), "--edges-per-region", "1");

        Assert.Equal(EdgeCacheCommand.BadUsage, exitCode);
        Assert.StartsWith("edgecache: --regions:", error);
        Assert.Contains("edge ids", error);
    }

    [Fact]
    public async Task More_than_254_regions_are_a_usage_error()
    {
        var regions = string.Join(',', Enumerable.Range(1, 255).Select(r => $"r{r}"));

        var (exitCode, _, error) = await CliRun.RunAsync("demo", "--regions", regions);

        Assert.Equal(EdgeCacheCommand.BadUsage, exitCode);
        Assert.StartsWith("edgecache: --regions: 255 regions; at most 254", error);
    }

    [Fact]
    public async Task Options_from_the_config_files_Demo_section_are_checked_too()
    {
        var config = Path.Combine(Directory.CreateTempSubdirectory("edgecache-demo-test-").FullName, "demo.json");
        try
        {
            await File.WriteAllTextAsync(config, """{"Demo": {"Regions": ["eu-west", "eu-west"], "EdgesPerRegion": 1}}""");

            var (exitCode, _, error) = await CliRun.RunAsync("demo", "--config", config);

            Assert.Equal(EdgeCacheCommand.BadUsage, exitCode);
            Assert.Equal("edgecache: --regions: 'eu-west' is given twice", error.Trim());
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(config)!, recursive: true);
        }
    }

    [Fact]
    public async Task A_data_path_that_is_a_file_is_a_usage_error()
    {
        var file = Path.GetTempFileName();
        try
        {
            var (exitCode, _, error) = await CliRun.RunAsync("demo", "--data", file);

            Assert.Equal(EdgeCacheCommand.BadUsage, exitCode);
            Assert.StartsWith("edgecache: --data:", error);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_data_folder_the_origin_cannot_use_fails_the_start_with_one_line()
    {
        var file = Path.GetTempFileName();
        try
        {
            // A folder below a file can never be created.
            var (exitCode, output, error) = await CliRun.RunAsync("demo", "--data", Path.Combine(file, "data"));

            Assert.Equal(EdgeCacheCommand.Failed, exitCode);
            var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("edgecache: the origin cannot use ", line);
            Assert.Empty(output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task An_edge_that_cannot_start_stops_the_origin_that_did_and_ends_the_demo()
    {
        var folder = Directory.CreateTempSubdirectory("edgecache-demo-test-").FullName;
        try
        {
            var config = Path.Combine(folder, "demo.json");
            await File.WriteAllTextAsync(config, """{"Edge": {"MaxFeedSilence": "-00:00:01"}}""");

            var (exitCode, output, error) = await CliRun.RunAsync("demo", "--regions", "eu-west", "--edges-per-region", "1", "--config", config, "--data", Path.Combine(folder, "data"));

            Assert.Equal(EdgeCacheCommand.BadUsage, exitCode);
            Assert.Equal("edgecache: MaxFeedSilence must be above zero", error.Trim());
            Assert.StartsWith("origin http://127.0.0.1:", output);
            Assert.DoesNotContain("edge ", output);
            // The origin was stopped: nothing listens on its address any more.
            using var client = new HttpClient();
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(output.Split('\n')[0]["origin ".Length..].Trim() + "/_admin/fleet"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Demo_help_shows_every_option_and_an_example()
    {
        var (exitCode, output, _) = await CliRun.RunAsync("demo", "--help");

        Assert.Equal(EdgeCacheCommand.Ok, exitCode);
        foreach (var text in new[] { "--regions", "--edges-per-region", "--data", "--config", "EDGECACHE_REGIONS", "EDGECACHE_EDGES_PER_REGION", "EDGECACHE_DATA", "Example:", "edgecache demo" })
        {
            Assert.Contains(text, output);
        }
    }
}
