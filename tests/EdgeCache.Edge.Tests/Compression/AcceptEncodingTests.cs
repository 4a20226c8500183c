using EdgeCache.Edge.Compression;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Tests.Compression;

public sealed class AcceptEncodingTests
{
    [Theory]
    [InlineData("br", nameof(ContentCoding.Brotli))]
    [InlineData("gzip", nameof(ContentCoding.Gzip))]
    [InlineData("gzip, deflate, br, zstd", nameof(ContentCoding.Brotli))]
    [InlineData("gzip, deflate", nameof(ContentCoding.Gzip))]
    [InlineData("BR", nameof(ContentCoding.Brotli))]
    [InlineData("GZip", nameof(ContentCoding.Gzip))]
    [InlineData("x-gzip", nameof(ContentCoding.Gzip))]
    [InlineData(" gzip ;q=1 ,\tbr ; q=0.9", nameof(ContentCoding.Gzip))]
    [InlineData("gzip;q=0.5, br;q=0.5", nameof(ContentCoding.Brotli))]
    [InlineData("br;q=0.001", nameof(ContentCoding.Brotli))]
    [InlineData("br;q=1.000, gzip", nameof(ContentCoding.Brotli))]
    public void A_listed_coding_with_weight_is_selected_br_winning_a_tie(string field, string expected)
        => Assert.Equal(expected, AcceptEncoding.Select(field).ToString());

    [Theory]
    [InlineData("br;q=0, gzip", nameof(ContentCoding.Gzip))]
    [InlineData("br;q=0.000, gzip;q=0.1", nameof(ContentCoding.Gzip))]
    [InlineData("gzip;q=0, br", nameof(ContentCoding.Brotli))]
    [InlineData("br;q=0, gzip;q=0", nameof(ContentCoding.Identity))]
    [InlineData("Br;Q=0, GZIP;q=0", nameof(ContentCoding.Identity))]
    public void A_weight_of_zero_means_not_acceptable(string field, string expected)
        => Assert.Equal(expected, AcceptEncoding.Select(field).ToString());

    [Theory]
    [InlineData("*", nameof(ContentCoding.Brotli))]
    [InlineData("*;q=0.5", nameof(ContentCoding.Brotli))]
    [InlineData("br;q=0, *", nameof(ContentCoding.Gzip))]
    [InlineData("gzip;q=0.8, *;q=0.3", nameof(ContentCoding.Gzip))]
    [InlineData("*;q=0", nameof(ContentCoding.Identity))]
    [InlineData("gzip, *;q=0", nameof(ContentCoding.Gzip))]
    public void A_star_stands_for_every_coding_not_listed(string field, string expected)
        => Assert.Equal(expected, AcceptEncoding.Select(field).ToString());

    [Theory]
    [InlineData("")]
    [InlineData(" , ,")]
    [InlineData("identity")]
    [InlineData("deflate, zstd, compress")]
    [InlineData("br;q=2")]
    [InlineData("br;q=1.5")]
    [InlineData("br;q=0.5.1")]
    [InlineData("br;q=0.1234")]
    [InlineData("br;q=")]
    [InlineData("br;q=abc")]
    [InlineData("brotli, gzipped, xbr")]
    public void Nothing_acceptable_or_malformed_members_give_identity(string field)
        => Assert.Equal(ContentCoding.Identity, AcceptEncoding.Select(field));

    [Fact]
    public void An_absent_field_gives_identity_and_several_field_lines_count_as_one_list()
    {
        Assert.Equal(ContentCoding.Identity, AcceptEncoding.Select(StringValues.Empty));
        Assert.Equal(ContentCoding.Gzip, AcceptEncoding.Select(new StringValues(["br;q=0", "gzip"])));
        Assert.Equal(ContentCoding.Brotli, AcceptEncoding.Select(new StringValues(["gzip;q=0.2", "br;q=0.3"])));
    }

    [Fact]
    public void Parameters_other_than_q_are_ignored()
        => Assert.Equal(ContentCoding.Gzip, AcceptEncoding.Select("br;level=9;q=0, gzip;x=y"));

    [Theory]
    [InlineData("0", 0)]
    [InlineData("0.", 0)]
    [InlineData("0.5", 500)]
    [InlineData("0.25", 250)]
    [InlineData("0.125", 125)]
    [InlineData("1", 1000)]
    [InlineData("1.0", 1000)]
    [InlineData("1.000", 1000)]
    public void Q_values_are_read_in_thousandths(string text, int thousandths)
    {
        Assert.True(AcceptEncoding.TryParseQValue(text, out var value));
        Assert.Equal(thousandths, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.001")]
    [InlineData("2")]
    [InlineData(".5")]
    [InlineData("0,5")]
    [InlineData("0.5x")]
    [InlineData("0.1234")]
    [InlineData("-0")]
    public void Invalid_q_values_do_not_parse(string text)
        => Assert.False(AcceptEncoding.TryParseQValue(text, out _));

    [Fact]
    public void Selecting_allocates_nothing()
    {
        StringValues browser = "gzip, deflate, br, zstd";
        StringValues weighted = "br;q=0, gzip;q=0.8, *;q=0.1";
        AcceptEncoding.Select(browser);
        AcceptEncoding.Select(weighted);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            AcceptEncoding.Select(browser);
            AcceptEncoding.Select(weighted);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
