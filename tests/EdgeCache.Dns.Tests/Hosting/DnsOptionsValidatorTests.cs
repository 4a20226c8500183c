using System.Net;
using EdgeCache.Dns.Hosting;

namespace EdgeCache.Dns.Tests.Hosting;

public sealed class DnsOptionsValidatorTests
{
    [Theory]
    [InlineData("127.0.0.1:5353", "127.0.0.1", 5353)]
    [InlineData("0.0.0.0:53", "0.0.0.0", 53)]
    [InlineData("127.0.1.1:0", "127.0.1.1", 0)]
    [InlineData("[::1]:53", "::1", 53)]
    [InlineData("[::]:5353", "::", 5353)]
    [InlineData("[2001:db8::1]:65535", "2001:db8::1", 65535)]
    public void Listen_takes_an_IP_and_a_port(string text, string address, int port)
    {
        Assert.True(ListenEndpoint.TryParse(text, out var endpoint));
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), endpoint);
    }

    [Theory]
    [InlineData("")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("127.0.0.1:-1")]
    [InlineData("127.1:53")]
    [InlineData("localhost:53")]
    [InlineData("::1:53")]
    [InlineData("[127.0.0.1]:53")]
    [InlineData("[::1]")]
    [InlineData("[fe80::1%eth0]:53")]
    [InlineData("udp://127.0.0.1:53")]
    public void Listen_refuses_anything_else(string text)
    {
        Assert.False(ListenEndpoint.TryParse(text, out _));
    }

    [Fact]
    public void Complete_options_are_valid()
    {
        Assert.True(new DnsOptionsValidator().Validate(null, Valid()).Succeeded);
    }

    [Theory]
    [InlineData("cdn.example.net")]
    [InlineData("cdn.example.net.")]
    [InlineData("edgecache.test")]
    [InlineData("a")]
    [InlineData("x-1.y2.Z3")]
    public void Zone_names_of_host_name_labels_are_valid(string zone)
    {
        var options = Valid();
        options.Zone = zone;

        Assert.True(new DnsOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("bad_zone", "zone 'bad_zone' is not a domain name")]
    [InlineData("-a.example", "is not a domain name")]
    [InlineData("a-.example", "is not a domain name")]
    [InlineData("a..example", "is not a domain name")]
    [InlineData(".", "is not a domain name")]
    [InlineData("a b", "is not a domain name")]
    [InlineData("", "no zone: give --zone NAME")]
    public void A_bad_zone_is_named(string zone, string message)
    {
        var options = Valid();
        options.Zone = zone;

        Assert.Contains(new DnsOptionsValidator().Validate(null, options).Failures!, f => f.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Zone_labels_and_names_have_their_DNS_lengths()
    {
        var options = Valid();
        options.Zone = new string('a', 63) + ".test";
        Assert.True(new DnsOptionsValidator().Validate(null, options).Succeeded);

        options.Zone = new string('a', 64) + ".test";
        Assert.False(new DnsOptionsValidator().Validate(null, options).Succeeded);

        options.Zone = string.Join('.', Enumerable.Repeat(new string('a', 49), 5)) + ".abcd";
        Assert.Equal(254, options.Zone.Length);
        Assert.False(new DnsOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData(nameof(DnsOptions.Listen), "localhost:53", "listen 'localhost:53' is not IP:PORT")]
    [InlineData(nameof(DnsOptions.Origin), null, "no origin: give --origin URL")]
    [InlineData(nameof(DnsOptions.Origin), "origin:7000", "origin 'origin:7000' is not an absolute http:// or https:// URL")]
    [InlineData(nameof(DnsOptions.Origin), "ftp://origin/", "is not an absolute http:// or https:// URL")]
    [InlineData(nameof(DnsOptions.Token), "", "needs its token: give --token T")]
    public void Each_bad_setting_gets_one_clear_message(string setting, string? value, string message)
    {
        var options = Valid();
        typeof(DnsOptions).GetProperty(setting)!.SetValue(options, value);

        var failure = Assert.Single(new DnsOptionsValidator().Validate(null, options).Failures!);
        Assert.Contains(message, failure);
    }

    [Fact]
    public void Numbers_out_of_range_are_named()
    {
        var options = Valid();
        options.Ttl = DnsOptions.MaxTtl + 1;
        options.FleetRefresh = TimeSpan.Zero;
        options.MaxTcpConnections = 0;

        var failures = new DnsOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Contains(failures, f => f.Contains("ttl 86401", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("FleetRefresh", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("MaxTcpConnections", StringComparison.Ordinal));
    }

    private static DnsOptions Valid() => new()
    {
        Listen = "127.0.0.1:0",
        Zone = "cdn.example.net",
        Origin = "http://127.0.0.1:7000",
        Token = "t",
    };
}
