using System.Net;
using EdgeCache.IntegrationTests.Infrastructure;

namespace EdgeCache.IntegrationTests;

public sealed class UpstreamErrorTests
{
    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    public async Task Unreachable_upstream_gives_502_with_a_short_body(string method)
    {
        await using var edge = await TestEdge.StartAsync(new Dictionary<string, string?>
        {
            ["Edge:Upstream"] = $"http://127.0.0.1:{Deadline.ClosedPort()}",
        });

        using var response = await edge.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/x"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("502 Bad Gateway: the upstream server could not be reached.\n", body);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        var logged = Assert.Single(edge.Logs.Entries);
        Assert.Contains("/x", logged.Message);
        Assert.DoesNotContain("   at ", logged.Message);
    }

    [Fact]
    public async Task Failed_fetch_is_not_cached()
    {
        await using var edge = await TestEdge.StartAsync(new Dictionary<string, string?>
        {
            ["Edge:Upstream"] = $"http://127.0.0.1:{Deadline.ClosedPort()}",
        });

        (await edge.Client.GetAsync("/x")).Dispose();
        using var second = await edge.Client.GetAsync("/x");

        Assert.Equal(HttpStatusCode.BadGateway, second.StatusCode);
        Assert.Contains("detail=upstream-unreachable", Assert.Single(second.Headers.GetValues("Cache-Status")));
        Assert.Equal(0, (await edge.StatsAsync()).GetProperty("entries").GetInt64());
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    public async Task Silent_upstream_gives_504_after_the_configured_timeout(string method)
    {
        await using var upstream = await TestUpstream.StartAsync(async context =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:UpstreamTimeout", "00:00:01"));

        using var response = await edge.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/slow"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("504 Gateway Timeout: the upstream server did not answer in time.\n", await response.Content.ReadAsStringAsync());
    }
}
