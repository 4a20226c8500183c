using EdgeCache.Dns.Answering;
using EdgeCache.Dns.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.Dns.Tests.Hosting;

public sealed class DnsApplicationTests
{
    [Fact]
    public async Task The_host_serves_the_given_responder_on_the_endpoint_it_reports()
    {
        var responder = new EchoResponder();
        using var host = DnsApplication.Build(Settings(), logging: Quiet, responder: _ => responder);
        Assert.Throws<InvalidOperationException>(() => DnsApplication.EndpointOf(host));

        await host.StartAsync();
        try
        {
            var endpoint = DnsApplication.EndpointOf(host);
            Assert.NotEqual(0, endpoint.Port);
            using var client = new System.Net.Sockets.UdpClient(endpoint.AddressFamily);
            var query = EchoResponder.Query(7);
            await client.SendAsync(query, endpoint);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            Assert.True(EchoResponder.IsAnswerTo((await client.ReceiveAsync(deadline.Token)).Buffer, query));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void The_fleet_view_is_registered_for_the_responder()
    {
        IFleetView? seen = null;
        using var host = DnsApplication.Build(Settings(), logging: Quiet, responder: services =>
        {
            seen = (IFleetView?)services.GetService(typeof(IFleetView));
            return new EchoResponder();
        });

        _ = host.Services.GetService(typeof(IDnsResponder));

        Assert.NotNull(seen);
        Assert.Same(FleetSnapshot.Empty, seen.Current);
    }

    [Fact]
    public void Bad_settings_fail_the_build_with_every_problem()
    {
        var error = Assert.Throws<OptionsValidationException>(() => DnsApplication.Build(
            Settings(("Dns:Zone", "bad_zone"), ("Dns:Listen", "nowhere"), ("Dns:Token", null)), logging: Quiet));

        Assert.Equal(3, error.Failures.Count());
    }

    [Fact]
    public void A_setting_of_the_wrong_type_is_a_validation_failure()
    {
        var error = Assert.Throws<OptionsValidationException>(() => DnsApplication.Build(Settings(("Dns:Ttl", "ten")), logging: Quiet));

        Assert.Contains("Ttl", Assert.Single(error.Failures));
    }

    [Fact]
    public void A_bad_geo_file_fails_the_build_naming_the_file_and_line()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "10.0.0.0/8 us-east\nnot a line\n");

            var error = Assert.Throws<OptionsValidationException>(() => DnsApplication.Build(Settings(("Dns:Geo", path)), logging: Quiet));

            Assert.StartsWith($"geo file {path}: line 2: ", Assert.Single(error.Failures));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_missing_geo_file_fails_the_build_naming_it()
    {
        var error = Assert.Throws<OptionsValidationException>(() => DnsApplication.Build(Settings(("Dns:Geo", "/nonexistent/regions.txt")), logging: Quiet));

        Assert.StartsWith("geo file '/nonexistent/regions.txt' cannot be read", Assert.Single(error.Failures));
    }

    [Fact]
    public void Settings_come_from_the_config_file_and_the_given_ones_override_it()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """{"Dns": {"Zone": "from-file.test", "Ttl": 60, "Listen": "127.0.0.1:1"}}""");
            using var host = DnsApplication.Build(Settings(("Dns:Zone", null)), path, Quiet, responder: _ => new EchoResponder());

            var options = ((IOptions<DnsOptions>)host.Services.GetService(typeof(IOptions<DnsOptions>))!).Value;

            Assert.Equal(("from-file.test", 60u, "127.0.0.1:0"), (options.Zone, options.Ttl, options.Listen));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void Quiet(ILoggingBuilder logging) => logging.ClearProviders();

    /// <summary>Valid settings for an origin nothing listens on, changed by <paramref name="changes"/> (a null value removes one).</summary>
    private static Dictionary<string, string?> Settings(params (string Key, string? Value)[] changes)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Dns:Listen"] = "127.0.0.1:0",
            ["Dns:Zone"] = "edgecache.test",
            ["Dns:Origin"] = "http://127.0.0.1:9",
            ["Dns:Token"] = "t",
        };
        foreach (var (key, value) in changes)
        {
            if (value is null)
            {
                settings.Remove(key);
            }
            else
            {
                settings[key] = value;
            }
        }

        return settings;
    }
}
