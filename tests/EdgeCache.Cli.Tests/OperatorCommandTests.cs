using System.CommandLine;
using EdgeCache.Cli.Options;
using EdgeCache.Cli.Rendering;

namespace EdgeCache.Cli.Tests;

public sealed class OperatorCommandTests
{
    [Theory]
    [InlineData("publish", "--to", "--tag", "--cache-control", "--delete", "--wait", "--timeout", "--origin", "--token", "--config", "--json")]
    [InlineData("purge", "--path", "--prefix", "--tag", "--all", "--soft", "--wait", "--timeout", "--origin", "--token", "--config", "--json")]
    [InlineData("status", "--path", "--origin", "--token", "--config", "--json")]
    [InlineData("origin", "--listen", "--data", "--token", "--content", "--config")]
    public async Task Help_of_every_command_shows_its_options_their_environment_variables_and_an_example(string command, params string[] options)
    {
        var (exitCode, output, _) = await CliRun.RunAsync(command, "--help");

        Assert.Equal(EdgeCacheCommand.Ok, exitCode);
        Assert.Contains("Example:", output);
        Assert.Contains("edgecache " + command, output);
        foreach (var option in options)
        {
            Assert.Contains(option, output);
        }

        Assert.Contains("Env: EDGECACHE_", output);
    }

    [Fact]
    public async Task The_root_help_lists_every_command_with_an_example()
    {
        var (exitCode, output, _) = await CliRun.RunAsync("--help");

        Assert.Equal(EdgeCacheCommand.Ok, exitCode);
        foreach (var command in new[] { "origin", "edge", "demo", "publish", "purge", "status" })
        {
            Assert.Contains("  " + command, output);
        }

        Assert.Contains("Example:", output);
    }

    [Theory]
    [InlineData("purge", "--all", "--tag", "x")]
    [InlineData("purge")]
    [InlineData("publish")]
    [InlineData("status", "--path", "no-slash")]
    public async Task Commands_that_make_no_sense_are_usage_errors_before_any_call(params string[] args)
    {
        var (exitCode, _, error) = await CliRun.RunAsync([.. args, "--origin", "http://127.0.0.1:9", "--token", "t"]);

        Assert.Equal(EdgeCacheCommand.BadUsage, exitCode);
        Assert.StartsWith("edgecache: ", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void Shared_options_read_plain_names_and_a_commands_own_options_are_scoped_to_it()
    {
        var shared = new Option<string>("--origin");
        var own = new Option<string[]>("--tag");
        var multiWord = new Option<string>("--cache-control");
        var config = new Option<FileInfo>("--config");
        var command = new Command("purge") { shared, own, multiWord, config };
        var source = OptionSource.Of(command.Parse([]), config, "Client", "purge", new HashSet<Option> { shared });

        Assert.Equal("EDGECACHE_ORIGIN", source.EnvironmentNameOf(shared));
        Assert.Equal("Origin", source.ConfigKeyOf(shared));
        Assert.Equal("EDGECACHE_PURGE_TAG", source.EnvironmentNameOf(own));
        Assert.Equal("Purge:Tag", source.ConfigKeyOf(own));
        Assert.Equal("EDGECACHE_PURGE_CACHE_CONTROL", source.EnvironmentNameOf(multiWord));
        Assert.Equal("Purge:CacheControl", source.ConfigKeyOf(multiWord));
        Assert.Equal("EDGECACHE_CACHE_CONTROL", OptionSource.EnvironmentName(multiWord));
    }

    [Fact]
    public void A_config_file_that_is_not_json_is_a_usage_error_naming_it()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "{ not json");
            var config = new Option<FileInfo>("--config");
            var command = new Command("status") { config };

            var invalid = Assert.Throws<UsageException>(() => OptionSource.Of(command.Parse(["--config", file]), config, "Client"));

            Assert.Contains(file, invalid.Message);
            Assert.Contains("not valid JSON", invalid.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(20L << 20, "20.0 MiB")]
    [InlineData(3L << 40, "3.0 TiB")]
    public void Sizes_read_as_people_read_them(long bytes, string expected) => Assert.Equal(expected, Sizes.Format(bytes));

    [Theory]
    [InlineData(0, 0, "-")]
    [InlineData(9, 1, "90.0%")]
    [InlineData(1, 0, "100.0%")]
    public void Hit_ratio_is_hits_over_lookups(long hits, long misses, string expected) => Assert.Equal(expected, FleetTable.HitRatio(hits, misses));
}
