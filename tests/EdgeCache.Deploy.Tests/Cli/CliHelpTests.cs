namespace EdgeCache.Deploy.Tests.Cli;

public sealed class CliHelpTests
{
    [Fact]
    public void Options_come_from_the_first_column_of_the_options_section_only()
    {
        const string help = """
            Description:
              Mentions --not-an-option.

            Usage:
              edgecache edge [options]

            Options:
              --listen <listen>  Address; defaults to --also-not-an-option
                                 --wrapped-description-line
              -?, -h, --help     Show help and usage information

            """;

        Assert.Equal(["--help", "--listen"], CliHelp.OptionsIn(help).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_cli_help_lists_the_servers_and_their_options()
    {
        var cli = await CliHelp.OfThisBuildAsync();

        Assert.Contains("origin", cli.Commands);
        Assert.Contains("edge", cli.Commands);
        Assert.Contains("dns", cli.Commands);
        Assert.Contains("publish", cli.Commands);
        Assert.Superset(new HashSet<string> { "--listen", "--data", "--token", "--content", "--config", "--help" }, cli.OptionsOf("origin").ToHashSet());
        Assert.Superset(new HashSet<string> { "--listen", "--origin", "--region", "--cache-size", "--token", "--id" }, cli.OptionsOf("edge").ToHashSet());
        Assert.DoesNotContain("--no-such-option", cli.OptionsOf("edge"));
        Assert.False(cli.HasCommand("cache-server"));
    }
}
