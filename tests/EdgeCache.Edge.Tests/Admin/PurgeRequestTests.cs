using EdgeCache.Edge.Admin;
using EdgeCache.Edge.Caching;

namespace EdgeCache.Edge.Tests.Admin;

public sealed class PurgeRequestTests
{
    private static PurgeRequest Request(string? path = null, string? prefix = null, string? tag = null, string? url = null, bool? all = null)
        => new(path, prefix, tag, url, all);

    [Fact]
    public void Each_selector_maps_to_its_purge()
    {
        Assert.Equal((PurgeKind.Path, "/x", (string?)null), PurgeEndpoint.Select(Request(path: "/x")));
        Assert.Equal((PurgeKind.Prefix, "/x/", (string?)null), PurgeEndpoint.Select(Request(prefix: "/x/")));
        Assert.Equal((PurgeKind.Tag, "t", (string?)null), PurgeEndpoint.Select(Request(tag: "t")));
        Assert.Equal((PurgeKind.Url, "http://h.test/x?y", (string?)null), PurgeEndpoint.Select(Request(url: "http://H.test/x?y")));
        Assert.Equal((PurgeKind.All, string.Empty, (string?)null), PurgeEndpoint.Select(Request(all: true)));
    }

    [Fact]
    public void None_or_several_selectors_are_refused()
    {
        Assert.NotNull(PurgeEndpoint.Select(Request()).Error);
        Assert.NotNull(PurgeEndpoint.Select(Request(path: "/x", tag: "t")).Error);
        Assert.NotNull(PurgeEndpoint.Select(Request(all: true, prefix: "/")).Error);
    }

    [Theory]
    [InlineData("x", null, null, null, null)]
    [InlineData("", null, null, null, null)]
    [InlineData(null, "x/", null, null, null)]
    [InlineData(null, null, "", null, null)]
    [InlineData(null, null, " t", null, null)]
    [InlineData(null, null, null, "/relative", null)]
    [InlineData(null, null, null, null, false)]
    public void Invalid_selectors_are_refused(string? path, string? prefix, string? tag, string? url, bool? all)
    {
        var (_, _, error) = PurgeEndpoint.Select(Request(path, prefix, tag, url, all));

        Assert.NotNull(error);
    }
}
