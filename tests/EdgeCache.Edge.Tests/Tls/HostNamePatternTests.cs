using EdgeCache.Edge.Tls;

namespace EdgeCache.Edge.Tests.Tls;

public sealed class HostNamePatternTests
{
    [Theory]
    [InlineData("example.com")]
    [InlineData("www.example-shop.com")]
    [InlineData("*.example.com")]
    [InlineData("localhost")]
    [InlineData("xn--bcher-kva.example")]
    public void DNS_names_and_one_label_wildcards_are_valid(string pattern) => Assert.True(HostNamePattern.IsValid(pattern));

    [Theory]
    [InlineData("")]
    [InlineData("*")]
    [InlineData("*.")]
    [InlineData("a.*.example.com")]
    [InlineData("**.example.com")]
    [InlineData("bad name")]
    [InlineData("-lead.example.com")]
    [InlineData("trail-.example.com")]
    [InlineData("double..dot")]
    [InlineData("under_score.example")]
    [InlineData("127.0.0.1:443")]
    public void Anything_else_is_not(string pattern) => Assert.False(HostNamePattern.IsValid(pattern));

    [Fact]
    public void A_label_over_63_characters_is_not_valid()
    {
        Assert.True(HostNamePattern.IsValid(new string('a', 63) + ".example"));
        Assert.False(HostNamePattern.IsValid(new string('a', 64) + ".example"));
    }

    [Theory]
    [InlineData("www.example.com", "*.example.com")]
    [InlineData("a.b.example.com", "*.b.example.com")]
    [InlineData("localhost", null)]
    [InlineData("trailing.", null)]
    public void The_wildcard_covering_a_name_replaces_its_first_label(string name, string? wildcard)
        => Assert.Equal(wildcard, HostNamePattern.WildcardOf(name));
}
