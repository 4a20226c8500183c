using EdgeCache.Dns.Wire;

namespace EdgeCache.Dns.Tests.Wire;

public sealed class DnsNameTests
{
    [Theory]
    [InlineData("www.example.com")]
    [InlineData("www.example.com.")]
    public void Parse_splits_labels_with_or_without_the_trailing_dot(string text)
        => Assert.Equal(["www", "example", "com"], DnsName.Parse(text).Labels);

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    public void Parse_reads_the_root(string text)
    {
        var name = DnsName.Parse(text);

        Assert.Empty(name.Labels);
        Assert.Equal(DnsName.Root, name);
    }

    [Fact]
    public void Parse_keeps_the_case_given()
        => Assert.Equal(["WwW", "ExAmple", "COM"], DnsName.Parse("WwW.ExAmple.COM").Labels);

    [Theory]
    [InlineData(@"a\.b.c", new[] { "a.b", "c" })]
    [InlineData(@"a\\b.c", new[] { "a\\b", "c" })]
    [InlineData(@"\065\000\255.c", new[] { "A\u0000\u00FF", "c" })]
    [InlineData(@"\-x\(.c", new[] { "-x(", "c" })]
    [InlineData(@"a\..", new[] { "a." })]
    public void Parse_reads_escapes(string text, string[] labels) => Assert.Equal(labels, DnsName.Parse(text).Labels);

    [Theory]
    [InlineData("a..b")]
    [InlineData(".a")]
    [InlineData("a..")]
    [InlineData("..")]
    [InlineData(@"a\")]
    [InlineData(@"a\25")]
    [InlineData(@"a\25x")]
    [InlineData(@"a\256")]
    [InlineData("caf\u00e9.com")]
    [InlineData("a\tb.com")]
    [InlineData("a b.com")]
    public void Parse_rejects_malformed_text(string text)
    {
        Assert.Throws<FormatException>(() => DnsName.Parse(text));
        Assert.False(DnsName.TryParse(text, out var name));
        Assert.Null(name);
    }

    [Fact]
    public void Parse_takes_a_63_octet_label_and_rejects_a_64_octet_one()
    {
        Assert.Equal(63, DnsName.Parse(new string('a', 63) + ".com").Labels[0].Length);
        Assert.Throws<FormatException>(() => DnsName.Parse(new string('a', 64) + ".com"));
        // Escapes count as the one octet they stand for.
        Assert.Equal(63, DnsName.Parse(string.Concat(Enumerable.Repeat(@"\046", 63))).Labels[0].Length);
        Assert.Throws<FormatException>(() => DnsName.Parse(string.Concat(Enumerable.Repeat(@"\046", 64))));
    }

    [Fact]
    public void Parse_takes_a_255_octet_name_and_rejects_a_256_octet_one()
    {
        // Three 63-octet labels take 3 × 64 octets with their length octets, the root octet 1 more.
        var label63 = new string('a', 63);
        var longest = $"{label63}.{label63}.{label63}.{new string('b', 61)}";
        Assert.Equal(4, DnsName.Parse(longest).Labels.Count);
        Assert.Throws<FormatException>(() => DnsName.Parse($"{label63}.{label63}.{label63}.{new string('b', 62)}"));
    }

    [Fact]
    public void ToString_escapes_dots_backslashes_and_invisible_octets()
    {
        var name = DnsName.Root.Prepend("com").Prepend("a.b\\c\u0000 \u007F\u00FFz");

        Assert.Equal(@"a\.b\\c\000\032\127\255z.com", name.ToString());
    }

    [Fact]
    public void ToString_gives_the_root_as_a_dot_and_other_names_without_one()
    {
        Assert.Equal(".", DnsName.Root.ToString());
        Assert.Equal("www.example.com", DnsName.Parse("www.example.com.").ToString());
    }

    [Fact]
    public void Equality_ignores_the_case_of_ascii_letters()
    {
        var lower = DnsName.Parse("www.example.com");
        var mixed = DnsName.Parse("WwW.ExAmPlE.CoM");

        Assert.Equal(lower, mixed);
        Assert.Equal(lower.GetHashCode(), mixed.GetHashCode());
    }

    [Theory]
    [InlineData(@"\192.com", @"\224.com")] // À and à: Latin-1 letters do not fold
    [InlineData("@.com", "`.com")] // 0x40 and 0x60 differ by the case bit but are not letters
    [InlineData("[.com", "{.com")]
    [InlineData("a.com", "a.co")]
    [InlineData("a.com", "com")]
    public void Equality_distinguishes_everything_but_ascii_letter_case(string a, string b)
        => Assert.NotEqual(DnsName.Parse(a), DnsName.Parse(b));

    [Fact]
    public void IsAtOrBelow_compares_whole_labels_from_the_end()
    {
        var zone = DnsName.Parse("geo.example.com");

        Assert.True(DnsName.Parse("eu.GEO.example.com").IsAtOrBelow(zone));
        Assert.True(zone.IsAtOrBelow(zone));
        Assert.True(zone.IsAtOrBelow(DnsName.Root));
        Assert.False(DnsName.Parse("xgeo.example.com").IsAtOrBelow(zone));
        Assert.False(DnsName.Parse("example.com").IsAtOrBelow(zone));
    }

    [Fact]
    public void LabelsBelow_gives_the_labels_in_front_of_the_zone()
    {
        var zone = DnsName.Parse("geo.example.com");

        Assert.Equal(["a", "B"], DnsName.Parse("a.B.Geo.example.com").LabelsBelow(zone));
        Assert.Empty(zone.LabelsBelow(zone));
        Assert.Throws<ArgumentException>(() => DnsName.Parse("example.com").LabelsBelow(zone));
    }

    [Fact]
    public void Prepend_puts_the_label_in_front()
        => Assert.Equal(["eu-west", "geo", "example"], DnsName.Parse("geo.example").Prepend("eu-west").Labels);

    [Fact]
    public void Prepend_rejects_empty_and_overlong_labels_and_results()
    {
        var name = DnsName.Parse("example.com");

        Assert.Throws<FormatException>(() => name.Prepend(""));
        Assert.Throws<FormatException>(() => name.Prepend(new string('a', 64)));
        Assert.Throws<FormatException>(() => name.Prepend("\u0100"));
        // 13 octets now; three 63-octet labels bring it to 205, a fourth to 269.
        var long3 = name.Prepend(new string('a', 63)).Prepend(new string('a', 63)).Prepend(new string('a', 63));
        Assert.Throws<FormatException>(() => long3.Prepend(new string('a', 63)));
        Assert.Equal(6, long3.Prepend(new string('a', 49)).Labels.Count);
        Assert.Throws<FormatException>(() => long3.Prepend(new string('a', 50)));
    }
}
