using System.Net;
using EdgeCache.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.IntegrationTests;

/// <summary>Stale entries end to end: conditional refreshes, background refreshes, and stale answers when the upstream fails.</summary>
public sealed class RevalidationTests
{
    [Fact]
    public async Task A_stale_entry_is_revalidated_and_a_304_refreshes_it()
    {
        var clock = new ManualClock();
        var conditional = 0;
        await using var upstream = await TestUpstream.StartAsync(async context =>
        {
            context.Response.Headers.Date = clock.HttpDate();
            context.Response.Headers.CacheControl = "max-age=10";
            context.Response.Headers.ETag = "\"v1\"";
            if (context.Request.Headers.IfNoneMatch == "\"v1\"")
            {
                Interlocked.Increment(ref conditional);
                context.Response.Headers["X-Refreshed"] = "yes";
                context.Response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }

            await context.Response.WriteAsync("body v1");
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream, clock);

        (await edge.Client.GetAsync("/r")).Dispose();
        clock.Advance(TimeSpan.FromSeconds(30));
        using var revalidated = await edge.Client.GetAsync("/r");
        using var hit = await edge.Client.GetAsync("/r");

        Assert.Equal("body v1", await revalidated.Content.ReadAsStringAsync());
        Assert.Equal("yes", Assert.Single(revalidated.Headers.GetValues("X-Refreshed")));
        Assert.Contains("fwd=stale; fwd-status=304", Assert.Single(revalidated.Headers.GetValues("Cache-Status")), StringComparison.Ordinal);
        Assert.Equal("body v1", await hit.Content.ReadAsStringAsync());
        Assert.StartsWith("EdgeCache; hit", Assert.Single(hit.Headers.GetValues("Cache-Status")), StringComparison.Ordinal);
        Assert.Equal(1, conditional);
        Assert.Equal(2, upstream.Requests);
    }

    [Fact]
    public async Task Stale_while_revalidate_serves_stale_and_refreshes_once_in_the_background()
    {
        var clock = new ManualClock();
        var version = 1;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await TestUpstream.StartAsync(async context =>
        {
            var mine = Interlocked.Increment(ref version) - 1;
            if (mine > 1)
            {
                await release.Task;
            }

            context.Response.Headers.Date = clock.HttpDate();
            context.Response.Headers.CacheControl = "max-age=10, stale-while-revalidate=60";
            await context.Response.WriteAsync($"v{mine}");
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream, clock);

        (await edge.Client.GetAsync("/swr")).Dispose();
        clock.Advance(TimeSpan.FromSeconds(20));
        var stale = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var response = await edge.Client.GetAsync("/swr");
            return (Body: await response.Content.ReadAsStringAsync(), Status: string.Join(",", response.Headers.GetValues("Cache-Status")));
        }));

        Assert.All(stale, s => Assert.Equal("v1", s.Body));
        Assert.All(stale, s => Assert.Contains("detail=stale-while-revalidate", s.Status, StringComparison.Ordinal));
        Assert.True(await Deadline.UntilAsync(() => Task.FromResult(upstream.Requests == 2), TimeSpan.FromSeconds(10)));
        release.SetResult();
        Assert.True(await Deadline.UntilAsync(async () =>
        {
            using var response = await edge.Client.GetAsync("/swr");
            return await response.Content.ReadAsStringAsync() == "v2";
        }, TimeSpan.FromSeconds(10)));
        Assert.Equal(2, upstream.Requests);
    }

    [Fact]
    public async Task Stale_if_error_serves_the_stale_copy_when_the_upstream_fails()
    {
        var clock = new ManualClock();
        var failing = false;
        await using var upstream = await TestUpstream.StartAsync(async context =>
        {
            context.Response.Headers.Date = clock.HttpDate();
            if (Volatile.Read(ref failing))
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                await context.Response.WriteAsync("down");
                return;
            }

            context.Response.Headers.CacheControl = "max-age=10, stale-if-error=60";
            await context.Response.WriteAsync("good");
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream, clock);

        (await edge.Client.GetAsync("/sie")).Dispose();
        Volatile.Write(ref failing, true);
        clock.Advance(TimeSpan.FromSeconds(30));
        using var withinWindow = await edge.Client.GetAsync("/sie");
        clock.Advance(TimeSpan.FromSeconds(60));
        using var beyondWindow = await edge.Client.GetAsync("/sie");

        Assert.Equal(HttpStatusCode.OK, withinWindow.StatusCode);
        Assert.Equal("good", await withinWindow.Content.ReadAsStringAsync());
        Assert.Contains("fwd-status=503", Assert.Single(withinWindow.Headers.GetValues("Cache-Status")), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, beyondWindow.StatusCode);
    }

    [Fact]
    public async Task A_range_of_a_stored_response_is_answered_from_the_cache()
    {
        await using var upstream = await TestUpstream.StaticAsync("0123456789abcdefghij");
        await using var edge = await TestEdge.InFrontOfAsync(upstream);

        (await edge.Client.GetAsync("/range")).Dispose();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/range");
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(5, 9);
        using var partial = await edge.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("56789", await partial.Content.ReadAsStringAsync());
        Assert.Equal("bytes 5-9/20", partial.Content.Headers.ContentRange?.ToString());
        Assert.Equal(1, upstream.Requests);
    }
}
