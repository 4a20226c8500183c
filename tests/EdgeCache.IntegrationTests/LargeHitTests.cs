using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Tests;
using EdgeCache.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.IntegrationTests;

/// <summary>
/// Hits of every size arrive whole, sent with sendfile from the memory file or copied from
/// arrays: bodies written without a flush (up to <see cref="StoredBody.UnflushedLimit"/>),
/// bodies flushed in steps, and both with a Kestrel response buffer far smaller than the body.
/// </summary>
public sealed class LargeHitTests
{
    [Theory]
    [InlineData(100 * 1024, "256KB", true)]
    [InlineData(StoredBody.UnflushedLimit, "256KB", true)]
    [InlineData((1 << 20) + 5, "256KB", true)]
    [InlineData(100 * 1024, "4KB", true)]
    [InlineData((1 << 20) + 5, "4KB", true)]
    [InlineData(100 * 1024, "256KB", false)]
    [InlineData(StoredBody.UnflushedLimit, "256KB", false)]
    [InlineData((1 << 20) + 5, "256KB", false)]
    [InlineData((1 << 20) + 5, "4KB", false)]
    public async Task A_hit_is_served_whole_and_byte_for_byte(int size, string responseBuffer, bool zeroCopy)
    {
        var body = TestBytes.Pattern(size);
        await using var upstream = await TestUpstream.StartAsync(context =>
        {
            context.Response.Headers.CacheControl = "max-age=600";
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body).AsTask();
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:ResponseBufferSize", responseBuffer), ("Edge:ZeroCopy", zeroCopy ? "true" : "false"));

        Assert.True((await edge.Client.GetByteArrayAsync("/large")).AsSpan().SequenceEqual(body), "the miss's body differs");
        var hits = await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            using var response = await edge.Client.GetAsync("/large");
            return (Status: Assert.Single(response.Headers.GetValues("Cache-Status")), Body: await response.Content.ReadAsByteArrayAsync());
        }));

        Assert.Equal(1, upstream.Requests);
        Assert.All(hits, hit =>
        {
            Assert.StartsWith("EdgeCache; hit", hit.Status);
            Assert.True(hit.Body.AsSpan().SequenceEqual(body), "the hit's body differs from the upstream's");
        });
    }

    [Fact]
    public async Task A_client_that_leaves_during_a_large_hit_does_not_disturb_the_next()
    {
        var body = TestBytes.Pattern(4 << 20);
        await using var upstream = await TestUpstream.StartAsync(context =>
        {
            context.Response.Headers.CacheControl = "max-age=600";
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body).AsTask();
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:ResponseBufferSize", "4KB"));
        Assert.True((await edge.Client.GetByteArrayAsync("/big")).AsSpan().SequenceEqual(body), "the miss's body differs");

        using (var response = await edge.Client.GetAsync("/big", HttpCompletionOption.ResponseHeadersRead))
        {
            await using var stream = await response.Content.ReadAsStreamAsync();
            await stream.ReadExactlyAsync(new byte[1000]);
        }

        var again = await edge.Client.GetByteArrayAsync("/big");
        Assert.True(again.AsSpan().SequenceEqual(body));
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task A_response_buffer_size_of_zero_is_refused_at_start()
    {
        await using var upstream = await TestUpstream.StaticAsync("x");
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestEdge.InFrontOfAsync(upstream, ("Edge:ResponseBufferSize", "0")));
        Assert.Contains("response buffer size must be above zero", error.Message);
    }
}
