using EdgeCache.Edge.Compression;
using EdgeCache.Edge.Http;

namespace EdgeCache.Edge.Tests.Compression;

public sealed class VariantETagTests
{
    [Theory]
    [InlineData("\"x\"", nameof(ContentCoding.Brotli), "\"x-br\"")]
    [InlineData("\"x\"", nameof(ContentCoding.Gzip), "\"x-gzip\"")]
    [InlineData("W/\"x\"", nameof(ContentCoding.Brotli), "W/\"x-br\"")]
    [InlineData(" \"\" ", nameof(ContentCoding.Gzip), "\"-gzip\"")]
    public void A_variant_tag_carries_the_coding_inside_the_quotes_and_keeps_weakness(string etag, string coding, string expected)
        => Assert.Equal(expected, VariantETag.Create(etag, Enum.Parse<ContentCoding>(coding)));

    [Theory]
    [InlineData("x")]
    [InlineData("\"x")]
    [InlineData("w/\"x\"")]
    public void A_value_that_is_no_entity_tag_has_no_variant(string etag)
        => Assert.Null(VariantETag.Create(etag, ContentCoding.Brotli));

    [Theory]
    [InlineData("\"x-br\"", "\"x\"", true)]
    [InlineData("W/\"x-gzip\"", "\"x\"", true)]
    [InlineData("\"x-br\"", "W/\"x\"", true)]
    [InlineData("\"x\"", "\"x\"", false)]
    [InlineData("\"x-zstd\"", "\"x\"", false)]
    [InlineData("\"y-br\"", "\"x\"", false)]
    [InlineData("\"xx-br\"", "\"x\"", false)]
    [InlineData("\"x-brr\"", "\"x\"", false)]
    public void A_variant_is_recognised_by_its_upstream_tag_and_suffix(string candidate, string original, bool expected)
    {
        Assert.True(EntityTag.TryParse(candidate, out var variant));
        Assert.True(EntityTag.TryParse(original, out var upstream));
        Assert.Equal(expected, VariantETag.IsVariantOf(variant, upstream));
    }

    [Fact]
    public void Variant_tags_of_the_selected_coding_are_rewritten_to_the_upstream_tags_and_back()
    {
        var rewritten = new List<(string Variant, string Upstream)>();

        var upstream = VariantETag.ToUpstream("\"a-br\", W/\"b-br\", \"c-gzip\", \"d,e-br\"", ContentCoding.Brotli, rewritten);

        Assert.Equal("\"a\", W/\"b\", \"c-gzip\", \"d,e\"", upstream);
        Assert.Equal([("\"a-br\"", "\"a\""), ("W/\"b-br\"", "W/\"b\""), ("\"d,e-br\"", "\"d,e\"")], rewritten);
        Assert.Equal("\"a-br\"", VariantETag.FromUpstream("\"a\"", rewritten));
        Assert.Equal("W/\"b-br\"", VariantETag.FromUpstream("\"b\"", rewritten));
        Assert.Null(VariantETag.FromUpstream("\"c-gzip\"", rewritten));
        Assert.Null(VariantETag.FromUpstream("\"a-br\"", rewritten));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("\"a\", \"b-gzip\"")]
    [InlineData("\"-br\"")]
    [InlineData("not a tag-br")]
    public void Fields_without_variant_tags_of_the_coding_are_left_alone(string field)
    {
        var rewritten = new List<(string Variant, string Upstream)>();
        Assert.Null(VariantETag.ToUpstream(field, ContentCoding.Brotli, rewritten));
        Assert.Empty(rewritten);
    }
}
