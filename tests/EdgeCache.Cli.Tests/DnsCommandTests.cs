using System.Net;
using System.Net.Sockets;

namespace EdgeCache.Cli.Tests;

public sealed class DnsCommandTests
{
    private static readonly string[] Valid = ["dns", "--listen", "127.0.0.1:0", "--zone", "edgecache.test", "--origin", "http://127.0.0.1:9", "--token", "t"];

    [Fact]
    public async Task Dns_help_shows_every_option_and_an_example()
    {
        var (exitCode, output, _) = await CliRun.RunAsync("dns", "--help");

        Assert.Equal(EdgeCacheCommand.Ok, exitCode);
        foreach (var text in new[]
        {
            "--listen", "--zone", "--origin", "--token", "--ttl", "--geo", "--config",
            "EDGECACHE_LISTEN", "EDGECACHE_ZONE", "EDGECACHE_ORIGIN", "EDGECACHE_TOKEN", "EDGECACHE_TTL", "EDGECACHE_GEO", "EDGECACHE_CONFIG",
            "Example:", "edgecache dns --listen",
        })
        {
            Assert.Contains(text, output);
        }
    }

    [Fact]
    public async Task The_root_help_lists_the_dns_command()
    {
        var (exitCode, output, _) = await CliRun.RunAsync("--help");

        Assert.Equal(EdgeCacheCommand.Ok, exitCode);
        Assert.Contains("edgecache dns --listen", output);
    }

    [Theory]
    [InlineData("--zone", "bad_zone", "zone 'bad_zone' is not a domain name")]
    [InlineData("--zone", "a..b", "zone 'a..b' is not a domain name")]
    [InlineData("--listen", "127.0.0.1", "listen '127.0.0.1' is not IP:PORT")]
    [InlineData("--listen", "localhost:53", "listen 'localhost:53' is not IP:PORT")]
    [InlineData("--origin", "not-a-url", "origin 'not-a-url' is not an absolute http:// or https:// URL")]
    [InlineData("--ttl", "86401", "--ttl: '86401' is not a whole number from 0 to 86400")]
    [InlineData("--ttl", "ten", "--ttl: 'ten' is not a whole number")]
    public async Task Bad_values_are_usage_errors_with_one_line(string option, string value, string message)
    {
        var args = Valid.ToList();
        var at = args.IndexOf(option);
        if (at < 0)
        {
            args.AddRange([option, value]);
        }
        else
        {
            args[at + 1] = value;
        }

        var (exitCode, output, error) = await CliRun.RunAsync([.. args]);

        Assert.Equal(EdgeCacheCommand.BadUsage, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("edgecache: ", line);
        Assert.Contains(message, line);
        Assert.Empty(output);
    }

    [Theory]
    [InlineData("--zone", "no zone: give --zone NAME")]
    [InlineData("--origin", "no origin: give --origin URL")]
    [InlineData("--token", "needs its token: give --token T")]
    public async Task A_missing_zone_origin_or_token_is_a_usage_error_naming_the_option(string option, string message)
    {
        var args = Valid.ToList();
        args.RemoveRange(args.IndexOf(option), 2);

        var (exitCode, _, error) = await CliRun.RunAsync([.. args]);

        Assert.Equal(EdgeCacheCommand.BadUsage, exitCode);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(message, line);
    }

    [Fact]
    public async Task A_bad_geo_file_is_a_usage_error_naming_the_file_and_line()
    {
        var geo = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(geo, "# regions\n10.0.0.0/8 us-east\n10.0.0.0/40 eu-west\n");

            var (exitCode, _, error) = await CliRun.RunAsync([.. Valid, "--geo", geo]);

            Assert.Equal(EdgeCacheCommand.BadUsage, exitCode);
            Assert.Equal($"edgecache: geo file {geo}: line 3: '10.0.0.0/40' has a prefix longer than its 32-bit address", error.Trim());
        }
        finally
        {
            File.Delete(geo);
        }
    }

    [Fact]
    public async Task A_port_in_use_fails_with_one_line_naming_it()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var listen = taken.LocalEndPoint!.ToString()!;
        var args = Valid.ToList();
        args[args.IndexOf("--listen") + 1] = listen;

        var (exitCode, output, error) = await CliRun.RunAsync([.. args]);

        Assert.Equal(EdgeCacheCommand.Failed, exitCode);
        Assert.Equal($"edgecache: cannot listen: {listen} (UDP): Address already in use", error.Trim());
        Assert.DoesNotContain("dns listening", output);
    }
}
