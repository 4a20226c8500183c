using System.Net;
using EdgeCache.IntegrationTests.Infrastructure;

namespace EdgeCache.IntegrationTests;

public sealed class AdminTests
{
    [Fact]
    public async Task Health_needs_no_token_and_stats_need_the_configured_one()
    {
        await using var upstream = await TestUpstream.StaticAsync("x");
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:Token", "s3cret"));

        using var health = await edge.Client.GetAsync("/_edge/health");
        using var anonymous = await edge.Client.GetAsync("/_edge/stats");
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/_edge/stats") { Headers = { Authorization = new("Bearer", "guess") } };
        using var wrongResponse = await edge.Client.SendAsync(wrong);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongResponse.StatusCode);

        (await edge.Client.GetAsync("/a")).Dispose();
        (await edge.Client.GetAsync("/a")).Dispose();
        var stats = await edge.StatsAsync("s3cret");
        Assert.Equal(1, stats.GetProperty("entries").GetInt64());
        Assert.Equal(1, stats.GetProperty("hits").GetInt64());
        Assert.Equal(1, stats.GetProperty("misses").GetInt64());
        Assert.Equal(0, stats.GetProperty("evictions").GetInt64());
        Assert.True(stats.GetProperty("bytes").GetInt64() > 0);
    }

    [Fact]
    public async Task Nothing_under_the_admin_prefix_reaches_the_upstream()
    {
        await using var upstream = await TestUpstream.StaticAsync("x");
        await using var edge = await TestEdge.InFrontOfAsync(upstream);

        using var response = await edge.Client.GetAsync("/_edge/secret-backend-thing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(0, upstream.Requests);
    }
}
