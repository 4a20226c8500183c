using System.Net;
using System.Net.Http.Headers;
using EdgeCache.Edge.Tests;
using EdgeCache.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.IntegrationTests;

/// <summary>
/// Large bodies live in the edge's memory file and hits send them with sendfile
/// (<c>Edge:ZeroCopy</c>), small ones are packed in slabs of it: every way of reading such a
/// body gives its exact bytes, the memory goes back when the object goes, and with the setting
/// off nothing goes to the file.
/// </summary>
public sealed class ZeroCopyHitTests
{
    private const int Size = (300 * 1024) + 11;
    private static readonly byte[] Body = TestBytes.Pattern(Size);

    [Fact]
    public async Task A_large_body_is_kept_in_the_memory_file_served_whole_and_freed_by_a_purge()
    {
        await using var upstream = await LargeUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:Token", "t0ken"));

        Assert.True((await edge.Client.GetByteArrayAsync("/large")).AsSpan().SequenceEqual(Body), "the miss's body differs");
        Assert.True((await edge.Client.GetByteArrayAsync("/small")).Length == 1024);
        var stats = await edge.StatsAsync("t0ken");
        // 300 KiB + 11 bytes is 76 pages; the 1 KiB object is packed in a slab, which zeroCopyBytes leaves out.
        Assert.Equal(76 * 4096, stats.GetProperty("zeroCopyBytes").GetInt64());
        Assert.Equal(1024, stats.GetProperty("packedBytes").GetInt64());

        for (var i = 0; i < 8; i++)
        {
            using var response = await edge.Client.GetAsync("/large");
            Assert.StartsWith("EdgeCache; hit", Assert.Single(response.Headers.GetValues("Cache-Status")), StringComparison.Ordinal);
            Assert.True((await response.Content.ReadAsByteArrayAsync()).AsSpan().SequenceEqual(Body), "a hit's body differs");
        }

        using var purge = await edge.Client.SendAsync(new HttpRequestMessage(new HttpMethod("PURGE"), "/large") { Headers = { Authorization = new("Bearer", "t0ken") } });
        Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        Assert.Equal(0, (await edge.StatsAsync("t0ken")).GetProperty("zeroCopyBytes").GetInt64());
        Assert.Equal(2, upstream.Requests);
    }

    [Fact]
    public async Task Ranges_conditionals_and_head_on_a_body_in_the_memory_file_answer_exactly()
    {
        await using var upstream = await LargeUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream);
        using (var miss = await edge.Client.GetAsync("/large"))
        {
            miss.EnsureSuccessStatusCode();
        }

        using var range = new HttpRequestMessage(HttpMethod.Get, "/large") { Headers = { Range = new RangeHeaderValue(70000, 200000) } };
        using var partial = await edge.Client.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.True((await partial.Content.ReadAsByteArrayAsync()).AsSpan().SequenceEqual(Body.AsSpan(70000, 130001)), "the range differs");

        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/large") { Headers = { IfNoneMatch = { new EntityTagHeaderValue("\"big\"") } } };
        using var notModified = await edge.Client.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        using var head = await edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/large"));
        Assert.Equal(Size, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        // The connection is still in step after all of those.
        Assert.True((await edge.Client.GetByteArrayAsync("/large")).AsSpan().SequenceEqual(Body));
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task Small_bodies_packed_in_slabs_answer_exactly_and_a_purge_frees_their_slots()
    {
        await using var upstream = await LargeUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:Token", "t0ken"));
        var small = Body.AsSpan(0, 1024).ToArray();

        Assert.Equal(small, await edge.Client.GetByteArrayAsync("/small"));
        Assert.Equal(1024, (await edge.StatsAsync("t0ken")).GetProperty("packedBytes").GetInt64());
        using (var hit = await edge.Client.GetAsync("/small"))
        {
            Assert.StartsWith("EdgeCache; hit", Assert.Single(hit.Headers.GetValues("Cache-Status")), StringComparison.Ordinal);
            Assert.Equal(1024, hit.Content.Headers.ContentLength);
            Assert.Equal("\"big\"", hit.Headers.ETag?.Tag);
            Assert.Equal(small, await hit.Content.ReadAsByteArrayAsync());
        }

        using var range = new HttpRequestMessage(HttpMethod.Get, "/small") { Headers = { Range = new RangeHeaderValue(100, 299) } };
        using var partial = await edge.Client.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(small.AsSpan(100, 200).ToArray(), await partial.Content.ReadAsByteArrayAsync());
        using var head = await edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/small"));
        Assert.Equal(1024, head.Content.Headers.ContentLength);

        using var purge = await edge.Client.SendAsync(new HttpRequestMessage(new HttpMethod("PURGE"), "/small") { Headers = { Authorization = new("Bearer", "t0ken") } });
        Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        Assert.Equal(0, (await edge.StatsAsync("t0ken")).GetProperty("packedBytes").GetInt64());
        Assert.Equal(small, await edge.Client.GetByteArrayAsync("/small"));
        Assert.Equal(2, upstream.Requests);
    }

    [Fact]
    public async Task With_zero_copy_off_large_bodies_stay_in_the_heap_and_hits_are_the_same()
    {
        await using var upstream = await LargeUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:ZeroCopy", "false"));
        Assert.True((await edge.Client.GetByteArrayAsync("/large")).AsSpan().SequenceEqual(Body));
        Assert.True((await edge.Client.GetByteArrayAsync("/large")).AsSpan().SequenceEqual(Body));
        Assert.Equal(1024, (await edge.Client.GetByteArrayAsync("/small")).Length);
        var stats = await edge.StatsAsync();
        Assert.Equal(0, stats.GetProperty("zeroCopyBytes").GetInt64());
        Assert.Equal(0, stats.GetProperty("packedBytes").GetInt64());
        Assert.Equal(2, upstream.Requests);
    }

    [Fact]
    public async Task Bodies_below_the_zero_copy_minimum_stay_in_the_heap()
    {
        await using var upstream = await LargeUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:ZeroCopyMinimum", "1MB"));
        Assert.True((await edge.Client.GetByteArrayAsync("/large")).AsSpan().SequenceEqual(Body));
        Assert.Equal(0, (await edge.StatsAsync()).GetProperty("zeroCopyBytes").GetInt64());
    }

    private static Task<TestUpstream> LargeUpstreamAsync()
        => TestUpstream.StartAsync(context =>
        {
            var body = context.Request.Path == "/small" ? Body.AsMemory(0, 1024) : Body;
            context.Response.Headers.CacheControl = "max-age=600";
            context.Response.Headers.ETag = "\"big\"";
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body).AsTask();
        });
}
