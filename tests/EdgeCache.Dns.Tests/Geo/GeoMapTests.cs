using System.Net;
using EdgeCache.Dns.Geo;

namespace EdgeCache.Dns.Tests.Geo;

public sealed class GeoMapTests
{
    private const string Map = """
        # client networks
        10.0.0.0/8        us-east
        10.1.0.0/16       eu-west   # a slice of 10/8 served from Europe
        10.1.2.0/24       ap-south
        10.1.2.3/32       us-east

        2001:db8::/32     us-east
        2001:db8:1::/48   eu-west
        0.0.0.0/0         default
        """;

    [Theory]
    [InlineData("10.200.0.1", "us-east")]
    [InlineData("10.1.200.1", "eu-west")]
    [InlineData("10.1.2.200", "ap-south")]
    [InlineData("10.1.2.3", "us-east")]
    [InlineData("192.0.2.1", "default")]
    [InlineData("2001:db8:ffff::1", "us-east")]
    [InlineData("2001:db8:1:2::1", "eu-west")]
    public void The_longest_matching_prefix_wins(string address, string region)
    {
        Assert.Equal(region, GeoMap.Parse(Map).RegionOf(IPAddress.Parse(address)));
    }

    [Fact]
    public void An_address_no_prefix_covers_has_no_region()
    {
        var map = GeoMap.Parse("10.0.0.0/8 us-east\n2001:db8::/32 eu-west");

        Assert.Null(map.RegionOf(IPAddress.Parse("11.0.0.1")));
        Assert.Null(map.RegionOf(IPAddress.Parse("2001:db9::1")));
        Assert.Null(GeoMap.Empty.RegionOf(IPAddress.Loopback));
    }

    [Fact]
    public void IPv4_and_IPv6_prefixes_never_match_each_other()
    {
        // ::/0 covers every IPv6 address, 0.0.0.0/0 every IPv4 one; neither the other family.
        var map = GeoMap.Parse("::/0 six\n10.0.0.0/8 four");

        Assert.Equal("six", map.RegionOf(IPAddress.Parse("::a00:1")));
        Assert.Null(map.RegionOf(IPAddress.Parse("11.0.0.1")));
        Assert.Equal("four", map.RegionOf(IPAddress.Parse("10.0.0.1")));
    }

    [Fact]
    public void An_IPv4_mapped_IPv6_client_counts_as_IPv4()
    {
        var map = GeoMap.Parse("10.1.0.0/16 eu-west\n::/0 six");

        Assert.Equal("eu-west", map.RegionOf(IPAddress.Parse("::ffff:10.1.2.3")));
    }

    [Fact]
    public void An_IPv4_network_written_as_mapped_IPv6_matches_IPv4_clients()
    {
        var map = GeoMap.Parse("::ffff:10.1.0.0/112 eu-west");

        Assert.Equal("eu-west", map.RegionOf(IPAddress.Parse("10.1.9.9")));
        Assert.Equal("eu-west", map.RegionOf(IPAddress.Parse("::ffff:10.1.9.9")));
    }

    [Fact]
    public void Comments_blank_lines_tabs_and_crlf_are_ignored()
    {
        var map = GeoMap.Parse("# only a comment\r\n\r\n   \t\r\n10.0.0.0/8\tus-east\t# trailing\r\n#10.1.0.0/16 eu-west\r\n");

        Assert.Equal(1, map.Count);
        Assert.Equal("us-east", map.RegionOf(IPAddress.Parse("10.1.0.1")));
    }

    [Fact]
    public void A_zero_length_prefix_is_the_default_of_its_family()
    {
        Assert.Equal("all", GeoMap.Parse("0.0.0.0/0 all").RegionOf(IPAddress.Parse("203.0.113.9")));
    }

    [Theory]
    [InlineData("10.0.0.0/8", 1, "not a CIDR and a region")]
    [InlineData("10.0.0.0/8 us-east extra", 1, "not a CIDR and a region")]
    [InlineData("10.0.0.0 us-east", 1, "not a CIDR")]
    [InlineData("10.0.0/8 us-east", 1, "not a CIDR")]
    [InlineData("010.0.0.0/8 us-east", 1, "not a CIDR")]
    [InlineData("example.com/8 us-east", 1, "not a CIDR")]
    [InlineData("10.0.0.0/x us-east", 1, "not a CIDR")]
    [InlineData("10.0.0.0/-1 us-east", 1, "not a CIDR")]
    [InlineData("10.0.0.0/33 us-east", 1, "prefix longer than its 32-bit address")]
    [InlineData("2001:db8::/129 us-east", 1, "prefix longer than its 128-bit address")]
    [InlineData("fe80::%eth0/64 us-east", 1, "not a CIDR")]
    [InlineData("10.1.0.0/8 us-east", 1, "bits set beyond its /8 prefix")]
    [InlineData("10.0.0.0/8 us/east", 1, "region 'us/east'")]
    [InlineData("10.0.0.0/8 " + "r12345678901234567890123456789012345678901234567890123456789012345", 1, "region")]
    [InlineData("# header\n\n10.0.0.0/8 us-east\n10.0.0.0/8 eu-west", 4, "already mapped on line 3")]
    [InlineData("10.0.0.0/8 us-east\n\n# comment\nbroken", 4, "not a CIDR and a region")]
    public void A_bad_line_is_a_format_error_naming_its_number(string text, int line, string problem)
    {
        var error = Assert.Throws<FormatException>(() => GeoMap.Parse(text));

        Assert.StartsWith($"line {line}: ", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Load_names_the_file_in_its_errors()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "10.0.0.0/8 us-east\n10.0.0.0/99 eu-west\n");

            var error = Assert.Throws<FormatException>(() => GeoMap.Load(path));

            Assert.StartsWith($"{path}: line 2: ", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_reads_the_file()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, Map);

            Assert.Equal("ap-south", GeoMap.Load(path).RegionOf(IPAddress.Parse("10.1.2.4")));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
