using EdgeCache.Edge.Protection;

namespace EdgeCache.Edge.Tests.Protection;

public sealed class RateLimitRuleTests
{
    [Theory]
    [InlineData("/api/", new string[0], "GET", "/api/items", true)]
    [InlineData("/api/", new string[0], "GET", "/apix", false)]
    [InlineData("/", new[] { "POST", "put" }, "PUT", "/form", true)]
    [InlineData("/", new[] { "POST" }, "GET", "/form", false)]
    public void A_rule_covers_its_path_prefix_and_listed_methods(string prefix, string[] methods, string method, string path, bool covered)
        => Assert.Equal(covered, new RateLimitRule { PathPrefix = prefix, Methods = methods }.Covers(method, path));

    [Fact]
    public void Checking_a_request_allocates_nothing()
    {
        // It runs for every request, cache hits included.
        var anyMethod = new RateLimitRule { PathPrefix = "/" };
        var listed = new RateLimitRule { PathPrefix = "/", Methods = ["POST", "GET"] };
        anyMethod.Covers("GET", "/page");
        listed.Covers("GET", "/page");

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            anyMethod.Covers("GET", "/page");
            listed.Covers("GET", "/page");
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
