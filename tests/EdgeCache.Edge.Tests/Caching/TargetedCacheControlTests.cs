using EdgeCache.Edge.Caching;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Tests.Caching;

public sealed class TargetedCacheControlTests
{
    [Fact]
    public void CDN_Cache_Control_wins_over_Surrogate_Control()
    {
        var headers = new HeaderDictionary
        {
            [TargetedCacheControl.CdnCacheControl] = "max-age=600",
            [TargetedCacheControl.SurrogateControl] = "no-store",
            [HeaderNames.CacheControl] = "no-store",
        };

        Assert.True(TargetedCacheControl.TryRead(headers, "edge", out var directives));
        Assert.Equal(TimeSpan.FromSeconds(600), directives.MaxAge);
        Assert.False(directives.NoStore);
    }

    [Fact]
    public void Without_targeted_fields_nothing_is_read()
    {
        Assert.False(TargetedCacheControl.TryRead(new HeaderDictionary { [HeaderNames.CacheControl] = "max-age=5" }, "edge", out _));
    }

    [Fact]
    public void An_empty_CDN_Cache_Control_is_ignored()
    {
        var headers = new HeaderDictionary
        {
            [TargetedCacheControl.CdnCacheControl] = "",
            [TargetedCacheControl.SurrogateControl] = "max-age=30",
        };

        Assert.True(TargetedCacheControl.TryRead(headers, "edge", out var directives));
        Assert.Equal(TimeSpan.FromSeconds(30), directives.MaxAge);
    }

    [Theory]
    [InlineData("max-age=60", "max-age=60")]
    [InlineData("max-age=60+30", "max-age=60, stale-if-error=30")]
    [InlineData("no-store-remote", "no-store")]
    [InlineData("max-age=60;edge, no-store;other", "max-age=60")]
    [InlineData("max-age=60;EDGE", "max-age=60")]
    [InlineData("content=\"ESI/1.0, ESI-Inline/1.0\", max-age=5", "content=\"ESI/1.0, ESI-Inline/1.0\", max-age=5")]
    [InlineData("no-store;other", "")]
    public void Surrogate_Control_is_read_in_Cache_Control_terms(string surrogate, string expected)
    {
        Assert.Equal(expected, TargetedCacheControl.FromSurrogateControl(surrogate, "edge"));
    }
}
