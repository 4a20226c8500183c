using System.IO.Compression;
using System.Net;
using System.Text;
using EdgeCache.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.IntegrationTests;

/// <summary>
/// Compression (<c>Edge:Compression</c>) against a real edge and upstream: the compressed variants
/// the cache stores and serves, their headers, and what is never compressed.
/// </summary>
public sealed class CompressionTests
{
    private const string ETag = "\"v1\"";

    private static readonly byte[] Page = Encoding.UTF8.GetBytes(
        string.Concat(Enumerable.Range(0, 2000).Select(i => $"<p class=\"line\">line {i} of a page that compresses well</p>\n")));

    [Fact]
    public async Task Compressed_variants_are_stored_and_served_per_encoding_and_match_the_original_when_decompressed()
    {
        await using var upstream = await PageUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream);
        using var client = RawClient(edge);

        foreach (var (accept, coding) in new[] { ("br", "br"), ("gzip", "gzip"), (null, null) })
        {
            var miss = await GetAsync(client, "/page", accept);
            var hit = await GetAsync(client, "/page", accept);

            foreach (var response in new[] { miss, hit })
            {
                Assert.Equal(HttpStatusCode.OK, response.Status);
                Assert.Equal(coding, response.ContentEncoding);
                Assert.Equal(Page, Decode(coding, response.Body));
                Assert.Equal(response.Body.Length, response.ContentLength);
                Assert.Contains("Accept-Encoding", response.Vary, StringComparison.Ordinal);
                Assert.Equal(coding is null ? ETag : $"\"v1-{coding}\"", response.ETag);
            }

            Assert.Contains("fwd=", miss.CacheStatus, StringComparison.Ordinal);
            Assert.StartsWith("EdgeCache; hit", hit.CacheStatus, StringComparison.Ordinal);
            Assert.Equal(miss.Body, hit.Body);
            if (coding is not null)
            {
                Assert.True(miss.Body.Length < Page.Length / 4, $"{coding} made {miss.Body.Length} bytes of {Page.Length}");
            }
        }

        // One upstream request per variant, each asking with the normal form of its Accept-Encoding.
        Assert.Equal(3, upstream.Requests);
        Assert.Equal(["br", "gzip", ""], upstream.SeenHeaders.Select(h => h.AcceptEncoding.ToString()));
    }

    [Fact]
    public async Task Concurrent_misses_for_different_encodings_each_get_their_own_variant()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await TestUpstream.StartAsync(async context =>
        {
            await release.Task;
            context.Response.ContentType = "text/html";
            context.Response.Headers.CacheControl = "max-age=60";
            context.Response.Headers.ETag = ETag;
            context.Response.ContentLength = Page.Length;
            await context.Response.Body.WriteAsync(Page);
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream);
        using var client = RawClient(edge);

        var codings = Enumerable.Range(0, 24).Select(i => (i % 3) switch { 0 => "br", 1 => "gzip", _ => (string?)null }).ToArray();
        var answers = codings.Select(coding => GetAsync(client, "/busy", coding)).ToArray();
        Assert.True(await Deadline.UntilAsync(() => Task.FromResult(upstream.Requests > 0), TimeSpan.FromSeconds(10)));
        release.SetResult();
        await Task.WhenAll(answers);

        for (var i = 0; i < codings.Length; i++)
        {
            var answer = await answers[i];
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            Assert.Equal(codings[i], answer.ContentEncoding);
            Assert.Equal(Page, Decode(codings[i], answer.Body));
        }

        foreach (var coding in new[] { "br", "gzip", null })
        {
            Assert.StartsWith("EdgeCache; hit", (await GetAsync(client, "/busy", coding)).CacheStatus, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_variant_tag_in_If_None_Match_gets_304_from_the_cache_and_the_identity_tag_does_not()
    {
        await using var upstream = await PageUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream);
        using var client = RawClient(edge);
        await GetAsync(client, "/page", "br");

        var variant = await GetAsync(client, "/page", "br", ("If-None-Match", "\"v1-br\""));
        var weak = await GetAsync(client, "/page", "br", ("If-None-Match", "W/\"v1-br\""));
        var identityTag = await GetAsync(client, "/page", "br", ("If-None-Match", ETag));

        Assert.Equal(HttpStatusCode.NotModified, variant.Status);
        Assert.Equal("\"v1-br\"", variant.ETag);
        Assert.StartsWith("EdgeCache; hit", variant.CacheStatus, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotModified, weak.Status);
        Assert.Equal(HttpStatusCode.OK, identityTag.Status);
        Assert.Equal(Page, Decode("br", identityTag.Body));
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task Browsers_that_take_brotli_share_the_br_variant_and_a_refused_br_gets_gzip()
    {
        await using var upstream = await PageUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream);
        using var client = RawClient(edge);

        var br = await GetAsync(client, "/page", "br");
        var browser = await GetAsync(client, "/page", "gzip, deflate, br, zstd");
        var any = await GetAsync(client, "/page", "*");
        var refused = await GetAsync(client, "/page", "br;q=0, gzip");
        var gzipPreferred = await GetAsync(client, "/page", "gzip;q=1, br;q=0.5");
        var neither = await GetAsync(client, "/page", "deflate, zstd");
        var identity = await GetAsync(client, "/page", null);

        Assert.Equal("br", br.ContentEncoding);
        Assert.Equal("br", browser.ContentEncoding);
        Assert.StartsWith("EdgeCache; hit", browser.CacheStatus, StringComparison.Ordinal);
        Assert.StartsWith("EdgeCache; hit", any.CacheStatus, StringComparison.Ordinal);
        Assert.Equal("gzip", refused.ContentEncoding);
        Assert.Equal(Page, Decode("gzip", refused.Body));
        Assert.Equal("gzip", gzipPreferred.ContentEncoding);
        Assert.StartsWith("EdgeCache; hit", gzipPreferred.CacheStatus, StringComparison.Ordinal);
        Assert.Null(neither.ContentEncoding);
        Assert.Equal(Page, neither.Body);
        Assert.StartsWith("EdgeCache; hit", identity.CacheStatus, StringComparison.Ordinal);
        Assert.Equal(3, upstream.Requests);
    }

    [Fact]
    public async Task An_upstream_that_encodes_itself_is_not_compressed_again()
    {
        var gzipped = GzipOf(Page);
        await using var upstream = await TestUpstream.StartAsync(async context =>
        {
            context.Response.ContentType = "text/html";
            context.Response.Headers.CacheControl = "max-age=60";
            context.Response.Headers.ContentEncoding = "gzip";
            context.Response.Headers.Vary = "Accept-Encoding";
            context.Response.Headers.ETag = ETag;
            context.Response.ContentLength = gzipped.Length;
            await context.Response.Body.WriteAsync(gzipped);
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream);
        using var client = RawClient(edge);

        var miss = await GetAsync(client, "/encoded", "br, gzip");
        var hit = await GetAsync(client, "/encoded", "br, gzip");

        foreach (var response in new[] { miss, hit })
        {
            Assert.Equal("gzip", response.ContentEncoding);
            Assert.Equal(gzipped, response.Body);
            Assert.Equal(ETag, response.ETag);
            Assert.Equal("Accept-Encoding", response.Vary);
        }

        Assert.StartsWith("EdgeCache; hit", hit.CacheStatus, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_transform_from_the_upstream_or_the_client_is_honoured()
    {
        await using var upstream = await TestUpstream.StartAsync(async context =>
        {
            context.Response.ContentType = "text/html";
            context.Response.Headers.CacheControl = context.Request.Path == "/fixed" ? "max-age=60, no-transform" : "max-age=60";
            await context.Response.Body.WriteAsync(Page);
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream);
        using var client = RawClient(edge);

        var fixedByUpstream = await GetAsync(client, "/fixed", "br");
        var askedByClient = await GetAsync(client, "/page", "br", ("Cache-Control", "no-transform"));
        var compressed = await GetAsync(client, "/page", "br");

        Assert.Null(fixedByUpstream.ContentEncoding);
        Assert.Equal(Page, fixedByUpstream.Body);
        Assert.Null(fixedByUpstream.Vary);
        Assert.Null(askedByClient.ContentEncoding);
        Assert.Equal(Page, askedByClient.Body);
        Assert.Equal("br", compressed.ContentEncoding);
        Assert.Equal(Page, Decode("br", compressed.Body));
    }

    [Theory]
    [InlineData("image/png", 20_000)]
    [InlineData("application/octet-stream", 20_000)]
    [InlineData("text/event-stream", 20_000)]
    [InlineData(null, 20_000)]
    [InlineData("text/plain", 100)]
    public async Task Responses_of_types_not_compressed_or_below_the_minimum_size_are_untouched(string? contentType, int length)
    {
        var body = Page[..length];
        await using var upstream = await TestUpstream.StartAsync(async context =>
        {
            if (contentType is not null)
            {
                context.Response.ContentType = contentType;
            }

            context.Response.Headers.CacheControl = "max-age=60";
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body);
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream);
        using var client = RawClient(edge);

        var miss = await GetAsync(client, "/x", "gzip, br");
        var hit = await GetAsync(client, "/x", "gzip, br");

        foreach (var response in new[] { miss, hit })
        {
            Assert.Null(response.ContentEncoding);
            Assert.Null(response.Vary);
            Assert.Equal(body, response.Body);
        }
    }

    [Fact]
    public async Task A_range_of_a_compressed_variant_is_a_slice_of_the_compressed_bytes_with_the_variant_tag()
    {
        await using var upstream = await PageUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream);
        using var client = RawClient(edge);
        var whole = await GetAsync(client, "/page", "br");

        var range = await GetAsync(client, "/page", "br", ("Range", "bytes=10-99"));
        var ifRange = await GetAsync(client, "/page", "br", ("Range", "bytes=0-9"), ("If-Range", "\"v1-br\""));
        var staleIfRange = await GetAsync(client, "/page", "br", ("Range", "bytes=0-9"), ("If-Range", ETag));

        Assert.Equal(HttpStatusCode.PartialContent, range.Status);
        Assert.Equal($"bytes 10-99/{whole.Body.Length}", range.ContentRange);
        Assert.Equal(whole.Body[10..100], range.Body);
        Assert.Equal("br", range.ContentEncoding);
        Assert.Equal("\"v1-br\"", range.ETag);
        Assert.Equal(HttpStatusCode.PartialContent, ifRange.Status);
        Assert.Equal(whole.Body[..10], ifRange.Body);
        Assert.Equal(HttpStatusCode.OK, staleIfRange.Status);
        Assert.Equal(whole.Body, staleIfRange.Body);
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task A_range_on_a_miss_streams_the_slice_of_the_compressed_variant()
    {
        await using var upstream = await PageUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream);
        using var client = RawClient(edge);

        var range = await GetAsync(client, "/page", "gzip", ("Range", "bytes=0-99"));
        var whole = await GetAsync(client, "/page", "gzip");

        Assert.Equal(HttpStatusCode.PartialContent, range.Status);
        Assert.Equal($"bytes 0-99/{whole.Body.Length}", range.ContentRange);
        Assert.Equal(whole.Body[..100], range.Body);
        Assert.Equal(0, Assert.Single(upstream.SeenHeaders).Range.Count);
    }

    [Fact]
    public async Task A_stale_br_variant_is_revalidated_with_the_upstream_tag_and_keeps_being_served()
    {
        var clock = new ManualClock();
        await using var upstream = await TestUpstream.StartAsync(async context =>
        {
            context.Response.Headers.Date = clock.HttpDate();
            context.Response.Headers.CacheControl = "max-age=10";
            context.Response.Headers.ETag = ETag;
            context.Response.Headers.Vary = "Origin";
            if (context.Request.Headers.IfNoneMatch == ETag)
            {
                context.Response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }

            context.Response.ContentType = "text/html";
            context.Response.ContentLength = Page.Length;
            await context.Response.Body.WriteAsync(Page);
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream, clock);
        using var client = RawClient(edge);
        var first = await GetAsync(client, "/page", "br");

        clock.Advance(TimeSpan.FromSeconds(30));
        var revalidated = await GetAsync(client, "/page", "br");
        var hit = await GetAsync(client, "/page", "br");
        var notModified = await GetAsync(client, "/page", "br", ("If-None-Match", "\"v1-br\""));

        Assert.Contains("fwd=stale; fwd-status=304", revalidated.CacheStatus, StringComparison.Ordinal);
        Assert.StartsWith("EdgeCache; hit", hit.CacheStatus, StringComparison.Ordinal);
        foreach (var response in new[] { revalidated, hit })
        {
            Assert.Equal("br", response.ContentEncoding);
            Assert.Equal("\"v1-br\"", response.ETag);
            Assert.Equal(first.Body, response.Body);
            Assert.Equal(Page, Decode("br", response.Body));
            Assert.Equal("Origin, Accept-Encoding", response.Vary);
        }

        Assert.Equal(HttpStatusCode.NotModified, notModified.Status);
        Assert.Equal(2, upstream.Requests);
        Assert.Equal(ETag, upstream.SeenHeaders.Last().IfNoneMatch.ToString());

        // A HEAD for the stale variant goes upstream as a HEAD; its answer describes the variant and refreshes it.
        clock.Advance(TimeSpan.FromSeconds(30));
        var head = await SendAsync(client, HttpMethod.Head, "/page", "br");
        var refreshed = await GetAsync(client, "/page", "br");

        Assert.Equal("br", head.ContentEncoding);
        Assert.Equal("\"v1-br\"", head.ETag);
        Assert.StartsWith("EdgeCache; hit", refreshed.CacheStatus, StringComparison.Ordinal);
        Assert.Equal(first.Body, refreshed.Body);
        Assert.Equal(3, upstream.Requests);
    }

    [Fact]
    public async Task A_response_without_a_declared_length_or_above_the_buffer_limit_streams_compressed()
    {
        await using var upstream = await TestUpstream.StartAsync(async context =>
        {
            context.Response.ContentType = "application/json";
            context.Response.Headers.CacheControl = "max-age=60";
            if (context.Request.Path == "/declared")
            {
                context.Response.ContentLength = Page.Length;
            }

            // In pieces, flushed, as a slow back-end sends them.
            for (var offset = 0; offset < Page.Length; offset += 8192)
            {
                await context.Response.Body.WriteAsync(Page.AsMemory(offset, Math.Min(8192, Page.Length - offset)));
                await context.Response.Body.FlushAsync();
            }
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:Compression:MaxBufferedSize", "16KB"));
        using var client = RawClient(edge);

        foreach (var path in new[] { "/chunked", "/declared" })
        {
            var miss = await GetAsync(client, path, "br");
            var hit = await GetAsync(client, path, "br");

            // (The miss may still get a Content-Length: Kestrel adds one when the whole body is written before the headers go out.)
            Assert.Equal(Page, Decode("br", miss.Body));
            Assert.Equal(miss.Body, hit.Body);
            Assert.Equal(hit.Body.Length, hit.ContentLength);
            Assert.StartsWith("EdgeCache; hit", hit.CacheStatus, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_streamed_response_reaches_the_client_compressed_as_it_arrives()
    {
        var head = Encoding.UTF8.GetBytes("<!doctype html><html><head><title>early</title></head>\n");
        var rest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await TestUpstream.StartAsync(async context =>
        {
            context.Response.ContentType = "text/html";
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.Body.WriteAsync(head);
            await context.Response.Body.FlushAsync();
            await rest.Task;
            await context.Response.Body.WriteAsync(Page);
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream);
        using var client = RawClient(edge);

        foreach (var coding in new[] { "br", "gzip" })
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            using var request = new HttpRequestMessage(HttpMethod.Get, "/streamed");
            request.Headers.TryAddWithoutValidation("Accept-Encoding", coding);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, patience.Token);
            Assert.Equal(coding, Assert.Single(response.Content.Headers.ContentEncoding));
            await using var body = await response.Content.ReadAsStreamAsync();
            await using Stream decoder = coding == "br"
                ? new BrotliStream(body, CompressionMode.Decompress)
                : new GZipStream(body, CompressionMode.Decompress);

            // The head arrives while the upstream still holds the rest back.
            var early = new byte[head.Length];
            await decoder.ReadExactlyAsync(early, patience.Token);
            Assert.Equal(head, early);

            rest.TrySetResult();
            using var remainder = new MemoryStream();
            await decoder.CopyToAsync(remainder, patience.Token);
            Assert.Equal(Page, remainder.ToArray());
            rest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    [Fact]
    public async Task An_upstream_that_breaks_off_a_buffered_variant_gets_a_502_and_nothing_is_stored()
    {
        await using var upstream = await TestUpstream.StartAsync(async context =>
        {
            context.Response.ContentType = "text/html";
            context.Response.Headers.CacheControl = "max-age=60";
            context.Response.ContentLength = Page.Length;
            await context.Response.Body.WriteAsync(Page.AsMemory(0, Page.Length / 2));
            await context.Response.Body.FlushAsync();
            context.Abort();
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream);
        using var client = RawClient(edge);

        var first = await GetAsync(client, "/broken", "br");
        var second = await GetAsync(client, "/broken", "br");

        // Nothing reached the client before the break, so it gets a clean error, not half a brotli stream.
        Assert.Equal(HttpStatusCode.BadGateway, first.Status);
        Assert.Null(first.ContentEncoding);
        Assert.DoesNotContain("stored", first.CacheStatus, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadGateway, second.Status);
        Assert.Equal(2, upstream.Requests);
    }

    [Fact]
    public async Task Head_answers_describe_the_variant_a_get_would_get()
    {
        await using var upstream = await PageUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream);
        using var client = RawClient(edge);

        var headMiss = await SendAsync(client, HttpMethod.Head, "/page", "br");
        var get = await GetAsync(client, "/page", "br");
        var headHit = await SendAsync(client, HttpMethod.Head, "/page", "br");

        foreach (var head in new[] { headMiss, headHit })
        {
            Assert.Equal(HttpStatusCode.OK, head.Status);
            Assert.Equal("br", head.ContentEncoding);
            Assert.Equal("\"v1-br\"", head.ETag);
            Assert.Equal(get.Body.Length, head.ContentLength);
            Assert.Empty(head.Body);
        }

        Assert.StartsWith("EdgeCache; hit", get.CacheStatus, StringComparison.Ordinal);
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task Turned_off_the_edge_passes_content_and_Accept_Encoding_as_they_are()
    {
        await using var upstream = await PageUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:Compression:Enabled", "false"));
        using var client = RawClient(edge);

        var response = await GetAsync(client, "/page", "gzip, deflate, br");

        Assert.Null(response.ContentEncoding);
        Assert.Equal(Page, response.Body);
        Assert.Null(response.Vary);
        Assert.Equal("gzip, deflate, br", Assert.Single(upstream.SeenHeaders).AcceptEncoding.ToString());
    }

    [Theory]
    [InlineData("Edge:Compression:BrotliQuality", "12", "BrotliQuality must be between 0 and 11")]
    [InlineData("Edge:Compression:GzipLevel", "-1", "GzipLevel must be between 0 and 9")]
    [InlineData("Edge:Compression:MimeTypes:0", "text/h*", "'text/h*' is not a media type")]
    public async Task Invalid_compression_settings_fail_the_start_naming_them(string key, string value, string message)
    {
        await using var upstream = await TestUpstream.StaticAsync("ok");

        var failure = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => TestEdge.InFrontOfAsync(upstream, (key, value)));

        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configured_mime_types_replace_the_defaults()
    {
        await using var upstream = await TestUpstream.StartAsync(async context =>
        {
            context.Response.ContentType = context.Request.Path == "/custom" ? "application/x-custom" : "text/html";
            context.Response.Headers.CacheControl = "max-age=60";
            await context.Response.Body.WriteAsync(Page);
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:Compression:MimeTypes:0", "application/x-custom"));
        using var client = RawClient(edge);

        Assert.Equal("gzip", (await GetAsync(client, "/custom", "gzip")).ContentEncoding);
        Assert.Null((await GetAsync(client, "/html", "gzip")).ContentEncoding);
    }

    private static Task<TestUpstream> PageUpstreamAsync()
        => TestUpstream.StartAsync(async context =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers.CacheControl = "max-age=60";
            context.Response.Headers.ETag = ETag;
            context.Response.ContentLength = Page.Length;
            if (!HttpMethods.IsHead(context.Request.Method))
            {
                await context.Response.Body.WriteAsync(Page);
            }
        });

    /// <summary>A client that leaves bodies as the edge sent them, so the test sees the coded bytes.</summary>
    private static HttpClient RawClient(TestEdge edge)
        => new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = new Uri(edge.Url) };

    private static Task<Answer> GetAsync(HttpClient client, string path, string? acceptEncoding, params (string Name, string Value)[] headers)
        => SendAsync(client, HttpMethod.Get, path, acceptEncoding, headers);

    private static async Task<Answer> SendAsync(
        HttpClient client, HttpMethod method, string path, string? acceptEncoding, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        if (acceptEncoding is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request);
        var content = response.Content.Headers;
        return new Answer(
            response.StatusCode,
            await response.Content.ReadAsByteArrayAsync(),
            content.ContentEncoding.Count == 0 ? null : string.Join(", ", content.ContentEncoding),
            content.ContentLength,
            content.ContentRange?.ToString(),
            response.Headers.TryGetValues("Vary", out var vary) ? string.Join(", ", vary) : null,
            response.Headers.TryGetValues("ETag", out var etag) ? Assert.Single(etag) : null,
            string.Join(", ", response.Headers.GetValues("Cache-Status")));
    }

    private static byte[] Decode(string? coding, byte[] body)
    {
        if (coding is null)
        {
            return body;
        }

        using var input = new MemoryStream(body);
        using Stream decoder = coding == "br"
            ? new BrotliStream(input, CompressionMode.Decompress)
            : new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        decoder.CopyTo(output);
        return output.ToArray();
    }

    private static byte[] GzipOf(byte[] data)
    {
        using var output = new MemoryStream();
        using (var encoder = new GZipStream(output, CompressionLevel.Fastest))
        {
            encoder.Write(data);
        }

        return output.ToArray();
    }

    private sealed record Answer(
        HttpStatusCode Status,
        byte[] Body,
        string? ContentEncoding,
        long? ContentLength,
        string? ContentRange,
        string? Vary,
        string? ETag,
        string CacheStatus);
}
