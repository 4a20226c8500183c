using EdgeCache.Edge.Caching;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Tests.Caching;

public sealed class VaryKeyTests
{
    private static HeaderDictionary Request(string name, params string[] lines)
        => new() { [name] = new StringValues(lines) };

    [Theory]
    [InlineData("gzip, br", "br,gzip")]
    [InlineData("gzip, br", "BR, GZIP")]
    [InlineData("gzip,  br", "  gzip , br ")]
    [InlineData("gzip;q=0.5, br", "br, gzip ; q=0.5")]
    public void Accept_Encoding_spellings_select_the_same_variant(string stored, string asked)
    {
        var key = VaryKey.Create("Accept-Encoding", Request("Accept-Encoding", stored));

        Assert.True(key.Matches(Request("Accept-Encoding", asked)));
    }

    [Fact]
    public void Accept_Language_is_case_and_order_insensitive()
    {
        var key = VaryKey.Create("accept-language", Request("Accept-Language", "en-US, de"));

        Assert.True(key.Matches(Request("Accept-Language", "DE,en-us")));
        Assert.False(key.Matches(Request("Accept-Language", "en-US")));
    }

    [Fact]
    public void Other_headers_keep_case_and_order()
    {
        var key = VaryKey.Create("X-Mode", Request("X-Mode", "a, b"));

        Assert.True(key.Matches(Request("X-Mode", "a,b")));
        Assert.False(key.Matches(Request("X-Mode", "b, a")));
        Assert.False(key.Matches(Request("X-Mode", "A, b")));
    }

    [Fact]
    public void Several_header_lines_read_as_one_list()
    {
        var key = VaryKey.Create("Accept-Encoding", Request("Accept-Encoding", "gzip", "br"));

        Assert.True(key.Matches(Request("Accept-Encoding", "br, gzip")));
    }

    [Fact]
    public void An_absent_header_matches_only_an_absent_header()
    {
        var absent = VaryKey.Create("Accept-Language", new HeaderDictionary());

        Assert.True(absent.Matches(new HeaderDictionary()));
        Assert.False(absent.Matches(Request("Accept-Language", "")));
        Assert.False(absent.Matches(Request("Accept-Language", "en")));
        Assert.False(VaryKey.Create("Accept-Language", Request("Accept-Language", "")).Matches(new HeaderDictionary()));
    }

    [Fact]
    public void Vary_names_are_case_insensitive_and_their_order_does_not_matter()
    {
        var headers = new HeaderDictionary { ["Accept-Encoding"] = "gzip", ["X-Mode"] = "m" };

        var first = VaryKey.Create("Accept-Encoding, X-Mode", headers);
        var second = VaryKey.Create(new StringValues(["x-mode", "ACCEPT-ENCODING"]), headers);

        Assert.True(first.SameAs(second));
        Assert.False(first.Matches(new HeaderDictionary { ["Accept-Encoding"] = "gzip", ["X-Mode"] = "other" }));
    }

    [Theory]
    [InlineData("gzip, deflate, br, zstd")]
    [InlineData("br, deflate, gzip, zstd")]
    [InlineData("deflate")]
    public void A_match_allocates_nothing(string asked)
    {
        var key = VaryKey.Create("Accept-Encoding, Accept-Language", new HeaderDictionary
        {
            ["Accept-Encoding"] = "zstd, br, gzip, deflate",
            ["Accept-Language"] = "en-US,en;q=0.9",
        });
        var hit = new HeaderDictionary { ["Accept-Encoding"] = asked, ["Accept-Language"] = "en-US, en ; q=0.9" };
        var expected = asked != "deflate";
        Assert.Equal(expected, key.Matches(hit));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var matched = key.Matches(hit);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(expected, matched);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void A_match_on_a_value_longer_than_the_stack_buffer_allocates_nothing_once_the_pool_is_warm()
    {
        var members = Enumerable.Range(0, 100).Select(i => $"coding-{i:D3};q=0.{i % 10}").ToArray();
        var key = VaryKey.Create("Accept-Encoding", Request("Accept-Encoding", string.Join(",", members)));
        var hit = Request("Accept-Encoding", string.Join(" , ", members.Reverse()));
        Assert.True(key.Matches(hit));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var matched = key.Matches(hit);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(matched);
        Assert.Equal(0, allocated);
    }
}
