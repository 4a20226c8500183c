using EdgeCache.Edge.Caching;

namespace EdgeCache.Edge.Tests.Caching;

public sealed class CacheKeyPartsTests
{
    [Theory]
    [InlineData("http://a.test/x", "/x")]
    [InlineData("https://a.test:8443/x/y?q=1&r=/z", "/x/y")]
    [InlineData("http://a.test/", "/")]
    [InlineData("http://a.test/?q", "/")]
    [InlineData("http://a.test?q=/x", "")]
    [InlineData("http://a.test", "")]
    public void The_path_of_a_key_lies_between_authority_and_query(string key, string path)
    {
        Assert.True(CacheKeyParts.TryGetPath(key, out var actual));
        Assert.Equal(path, actual.ToString());
    }

    [Fact]
    public void A_key_that_is_not_an_absolute_url_has_no_path()
    {
        Assert.False(CacheKeyParts.TryGetPath("k000", out _));
    }

    [Theory]
    [InlineData("http://A.Test/x?y=1", "http://a.test/x?y=1")]
    [InlineData("https://a.test:8443/x", "https://a.test:8443/x")]
    [InlineData("http://a.test", "http://a.test/")]
    [InlineData("http://a.test/a%20b?c%20d#fragment", "http://a.test/a b?c%20d")]
    [InlineData("http://127.0.0.1:5000/p", "http://127.0.0.1:5000/p")]
    public void A_url_becomes_the_key_its_request_would_have(string url, string key)
    {
        Assert.True(CacheKeyParts.TryFromUrl(url, out var actual));
        Assert.Equal(key, actual);
    }

    [Theory]
    [InlineData("/relative")]
    [InlineData("ftp://a.test/x")]
    [InlineData("not a url")]
    [InlineData("")]
    public void Only_absolute_http_urls_make_keys(string url)
    {
        Assert.False(CacheKeyParts.TryFromUrl(url, out _));
    }
}
