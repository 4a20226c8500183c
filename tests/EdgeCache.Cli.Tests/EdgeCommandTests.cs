namespace EdgeCache.Cli.Tests;

public sealed class EdgeCommandTests
{
    [Theory]
    [InlineData("--cache-size", "12XB", "--cache-size")]
    [InlineData("--upstream", "not-a-url", "not-a-url")]
    [InlineData("--upstream", "ftp://127.0.0.1/", "ftp://")]
    public async Task Bad_option_values_are_usage_errors_with_one_clear_line(string option, string value, string mentioned)
    {
        var args = option == "--upstream"
            ? new[] { "edge", "--listen", "http://127.0.0.1:0", option, value }
            : ["edge", "--listen", "http://127.0.0.1:0", "--upstream", "http://127.0.0.1:9", option, value];

        var (exitCode, _, error) = await CliRun.RunAsync(args);

        Assert.Equal(EdgeCacheCommand.BadUsage, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("edgecache: ", line);
        Assert.Contains(mentioned, line);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public async Task An_edge_without_any_upstream_is_a_usage_error()
    {
        var (exitCode, _, error) = await CliRun.RunAsync("edge", "--listen", "http://127.0.0.1:0");

        Assert.Equal(EdgeCacheCommand.BadUsage, exitCode);
        Assert.Contains("no upstream", error);
    }

    [Fact]
    public async Task Unknown_options_and_commands_exit_with_2()
    {
        Assert.Equal(EdgeCacheCommand.BadUsage, (await CliRun.RunAsync("edge", "--no-such-option")).ExitCode);
        Assert.Equal(EdgeCacheCommand.BadUsage, (await CliRun.RunAsync("no-such-command")).ExitCode);
    }

    [Fact]
    public async Task A_missing_config_file_is_named()
    {
        var (exitCode, _, error) = await CliRun.RunAsync("edge", "--upstream", "http://127.0.0.1:9", "--config", "/nonexistent/edge.json");

        Assert.Equal(EdgeCacheCommand.BadUsage, exitCode);
        Assert.Contains("/nonexistent/edge.json", error);
    }

    [Fact]
    public async Task Edge_help_shows_every_option_and_an_example()
    {
        var (exitCode, output, _) = await CliRun.RunAsync("edge", "--help");

        Assert.Equal(EdgeCacheCommand.Ok, exitCode);
        foreach (var option in new[] { "--listen", "--cert", "--key", "--upstream", "--origin", "--region", "--cache-size", "--config", "--token", "Example:" })
        {
            Assert.Contains(option, output);
        }
    }

    [Fact]
    public async Task An_https_address_without_a_certificate_is_a_usage_error()
    {
        var (exitCode, _, error) = await CliRun.RunAsync("edge", "--listen", "https://127.0.0.1:0", "--upstream", "http://127.0.0.1:9");

        Assert.Equal(EdgeCacheCommand.BadUsage, exitCode);
        Assert.Contains("needs a certificate: give --cert FILE --key FILE", error);
    }

    [Fact]
    public async Task A_certificate_file_that_does_not_exist_is_named()
    {
        var (exitCode, _, error) = await CliRun.RunAsync(
            "edge", "--listen", "https://127.0.0.1:0", "--upstream", "http://127.0.0.1:9", "--cert", "/nonexistent/edge.crt", "--key", "/nonexistent/edge.key");

        Assert.Equal(EdgeCacheCommand.BadUsage, exitCode);
        Assert.Contains("certificate '/nonexistent/edge.crt' with key '/nonexistent/edge.key' could not be loaded", error);
    }

    [Theory]
    [InlineData("not-a-url", "--token", "t", "not-a-url")]
    [InlineData("ftp://127.0.0.1/", "--token", "t", "ftp://")]
    [InlineData("http://127.0.0.1:9", "--region", "no spaces", "region")]
    [InlineData("http://127.0.0.1:9", "--id", "a/b", "id")]
    public async Task Bad_origin_settings_are_usage_errors(string originUrl, string option, string value, string mentioned)
    {
        var args = new List<string> { "edge", "--listen", "http://127.0.0.1:0", "--origin", originUrl, option, value };
        if (option != "--token")
        {
            args.AddRange(["--token", "t"]);
        }

        var (exitCode, _, error) = await CliRun.RunAsync([.. args]);

        Assert.Equal(EdgeCacheCommand.BadUsage, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("edgecache: ", line);
        Assert.Contains(mentioned, line);
    }

    [Fact]
    public async Task Following_an_origin_needs_a_token()
    {
        var (exitCode, _, error) = await CliRun.RunAsync("edge", "--listen", "http://127.0.0.1:0", "--origin", "http://127.0.0.1:9");

        Assert.Equal(EdgeCacheCommand.BadUsage, exitCode);
        Assert.Contains("--token", error);
    }
}
