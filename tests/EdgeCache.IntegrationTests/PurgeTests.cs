using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCache.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.IntegrationTests;

public sealed class PurgeTests
{
    private const string Token = "secret";
    private static readonly HttpMethod Purge = new("PURGE");

    /// <summary>An upstream that makes every answer cacheable for a minute, tags it from <c>?tags=</c>, and records the methods it sees.</summary>
    private static Task<TestUpstream> TaggingUpstreamAsync(ConcurrentQueue<string>? methods = null)
        => TestUpstream.StartAsync(context =>
        {
            methods?.Enqueue(context.Request.Method);
            context.Response.Headers.CacheControl = "max-age=60";
            context.Response.Headers.ETag = "\"v1\"";
            if (context.Request.Query.TryGetValue("tags", out var tags))
            {
                context.Response.Headers["Surrogate-Key"] = tags;
            }

            return context.Response.WriteAsync("body of " + context.Request.Path);
        });

    private static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> SendAsync(TestEdge edge, HttpRequestMessage request)
    {
        using (request)
        {
            var response = await edge.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
            return (response.StatusCode, body, response);
        }
    }

    private static Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PurgeUrlAsync(
        TestEdge edge, string path, string? token = Token, bool soft = false)
    {
        var request = new HttpRequestMessage(Purge, path);
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        if (soft)
        {
            request.Headers.Add("Soft-Purge", "1");
        }

        return SendAsync(edge, request);
    }

    private static Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostPurgeAsync(
        TestEdge edge, string json, string? token = Token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/_edge/purge")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        return SendAsync(edge, request);
    }

    private static async Task<string> GetAsync(TestEdge edge, string path, string? acceptEncoding = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (acceptEncoding is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        }

        using var response = await edge.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return Assert.Single(response.Headers.GetValues("Cache-Status"));
    }

    private static async Task AssertHitAsync(TestEdge edge, string path, string? acceptEncoding = null)
        => Assert.StartsWith("EdgeCache; hit", await GetAsync(edge, path, acceptEncoding), StringComparison.Ordinal);

    private static async Task WarmAsync(TestEdge edge, params string[] paths)
    {
        foreach (var path in paths)
        {
            await GetAsync(edge, path);
            await AssertHitAsync(edge, path);
        }
    }

    [Fact]
    public async Task Purge_removes_every_variant_of_the_url_so_the_next_gets_go_upstream()
    {
        await using var upstream = await TestUpstream.StartAsync(context =>
        {
            context.Response.Headers.CacheControl = "max-age=60";
            context.Response.Headers.Vary = "Accept-Encoding";
            return context.Response.WriteAsync("for " + context.Request.Headers.AcceptEncoding);
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:Token", Token));
        await GetAsync(edge, "/v", "gzip");
        await GetAsync(edge, "/v", "br");
        await GetAsync(edge, "/other");
        await AssertHitAsync(edge, "/v", "gzip");
        await AssertHitAsync(edge, "/v", "br");
        Assert.Equal(3, upstream.Requests);

        var (status, body, _) = await PurgeUrlAsync(edge, "/v");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, body.GetProperty("purged").GetInt32());
        Assert.DoesNotContain("hit", await GetAsync(edge, "/v", "gzip"), StringComparison.Ordinal);
        Assert.DoesNotContain("hit", await GetAsync(edge, "/v", "br"), StringComparison.Ordinal);
        Assert.Equal(5, upstream.Requests);
        await AssertHitAsync(edge, "/other");

        var (_, again, _) = await PurgeUrlAsync(edge, "/never-stored");
        Assert.Equal(0, again.GetProperty("purged").GetInt32());
    }

    [Fact]
    public async Task Purge_with_a_wrong_or_missing_token_is_refused_logged_and_changes_nothing()
    {
        await using var upstream = await TaggingUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:Token", Token));
        await WarmAsync(edge, "/a");

        var (wrong, wrongBody, wrongResponse) = await PurgeUrlAsync(edge, "/a", token: "guess");
        var (missing, _, missingResponse) = await PurgeUrlAsync(edge, "/a", token: null);
        var (posted, _, _) = await PostPurgeAsync(edge, """{"all":true}""", token: "guess");

        Assert.Equal(HttpStatusCode.Unauthorized, wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, missing);
        Assert.Equal(HttpStatusCode.Unauthorized, posted);
        Assert.Equal("Bearer", Assert.Single(wrongResponse.Headers.WwwAuthenticate).Scheme);
        Assert.Equal("Bearer", Assert.Single(missingResponse.Headers.WwwAuthenticate).Scheme);
        Assert.Contains("token", wrongBody.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, edge.Logs.Entries.Count(e => e.Message.Contains("missing or wrong token", StringComparison.Ordinal)));
        await AssertHitAsync(edge, "/a");
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task Without_a_configured_token_purging_is_disabled()
    {
        await using var upstream = await TaggingUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream);
        await WarmAsync(edge, "/a");

        var (status, body, _) = await PurgeUrlAsync(edge, "/a", token: "anything");
        var (posted, postedBody, _) = await PostPurgeAsync(edge, """{"all":true}""", token: null);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(HttpStatusCode.Forbidden, posted);
        Assert.Equal("purging is disabled: no token configured", body.GetProperty("error").GetString());
        Assert.Equal("purging is disabled: no token configured", postedBody.GetProperty("error").GetString());
        await AssertHitAsync(edge, "/a");
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task Purge_never_reaches_the_upstream()
    {
        var methods = new ConcurrentQueue<string>();
        await using var upstream = await TaggingUpstreamAsync(methods);
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:Token", Token));

        await PurgeUrlAsync(edge, "/nothing-stored");
        await PurgeUrlAsync(edge, "/any/path?q=1", token: "wrong");
        await PurgeUrlAsync(edge, "/", token: null);
        await PurgeUrlAsync(edge, "/_edge/purge");
        var (lowerCase, _, _) = await SendAsync(edge, new HttpRequestMessage(new HttpMethod("purge"), "/x") { Headers = { Authorization = new("Bearer", Token) } });
        await GetAsync(edge, "/after");

        Assert.Equal(HttpStatusCode.OK, lowerCase);
        Assert.Equal(["GET"], methods);
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task Soft_purge_serves_the_stale_entry_while_one_request_refreshes_it()
    {
        await using var upstream = await TaggingUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:Token", Token));
        await WarmAsync(edge, "/soft", "/kept");

        var (status, body, _) = await PurgeUrlAsync(edge, "/soft", soft: true);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetProperty("purged").GetInt32());
        Assert.Equal(2, (await edge.StatsAsync(Token)).GetProperty("entries").GetInt64());
        Assert.Equal(2, upstream.Requests);

        Assert.Contains("detail=soft-purged", await GetAsync(edge, "/soft"), StringComparison.Ordinal);
        Assert.True(await Deadline.UntilAsync(async () => await GetAsync(edge, "/soft") is var status && status.Contains("; hit", StringComparison.Ordinal) && !status.Contains("detail=", StringComparison.Ordinal), TimeSpan.FromSeconds(10)));
        Assert.Equal(3, upstream.Requests);
        await AssertHitAsync(edge, "/kept");
        Assert.Equal(3, upstream.Requests);
    }

    [Fact]
    public async Task Purge_by_tag_removes_exactly_the_tagged_entries()
    {
        await using var upstream = await TaggingUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:Token", Token));
        await WarmAsync(edge, "/one?tags=a%20b", "/two?tags=b", "/three?tags=c", "/four");

        var (status, body, _) = await PostPurgeAsync(edge, """{"tag":"a"}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, body.GetProperty("purged").GetInt32());
        Assert.DoesNotContain("hit", await GetAsync(edge, "/one?tags=a%20b"), StringComparison.Ordinal);
        await AssertHitAsync(edge, "/two?tags=b");
        await AssertHitAsync(edge, "/three?tags=c");
        await AssertHitAsync(edge, "/four");
        Assert.Equal(5, upstream.Requests);

        var (_, byB, _) = await PostPurgeAsync(edge, """{"tag":"b","soft":true}""");
        Assert.Equal(2, byB.GetProperty("purged").GetInt32());
        Assert.Contains("detail=soft-purged", await GetAsync(edge, "/two?tags=b"), StringComparison.Ordinal);
        Assert.True(await Deadline.UntilAsync(() => Task.FromResult(upstream.Requests == 6), TimeSpan.FromSeconds(10)));
        await AssertHitAsync(edge, "/three?tags=c");
        Assert.Equal(6, upstream.Requests);
    }

    [Fact]
    public async Task Purge_by_path_prefix_and_url_select_what_they_name()
    {
        await using var upstream = await TaggingUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:Token", Token));
        await WarmAsync(edge, "/img/a.png", "/img/b.png?v=2", "/images", "/css/site.css", "/css/site.css?v=1", "/js/app.js");

        var (_, byPrefix, _) = await PostPurgeAsync(edge, """{"prefix":"/img/"}""");
        var (_, byPath, _) = await PostPurgeAsync(edge, """{"path":"/css/site.css"}""");
        var (_, byUrl, _) = await PostPurgeAsync(edge, JsonSerializer.Serialize(new { url = edge.Url + "/js/app.js" }));

        Assert.Equal(2, byPrefix.GetProperty("purged").GetInt32());
        Assert.Equal(2, byPath.GetProperty("purged").GetInt32());
        Assert.Equal(1, byUrl.GetProperty("purged").GetInt32());
        await AssertHitAsync(edge, "/images");
        Assert.Equal(1, (await edge.StatsAsync(Token)).GetProperty("entries").GetInt64());
        var before = upstream.Requests;
        Assert.DoesNotContain("hit", await GetAsync(edge, "/img/a.png"), StringComparison.Ordinal);
        Assert.Equal(before + 1, upstream.Requests);
    }

    [Fact]
    public async Task Purge_of_everything_empties_the_cache()
    {
        await using var upstream = await TaggingUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:Token", Token));
        await WarmAsync(edge, "/a", "/b", "/c/d");

        var (status, body, _) = await PostPurgeAsync(edge, """{"all":true}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, body.GetProperty("purged").GetInt32());
        Assert.Equal(0, (await edge.StatsAsync(Token)).GetProperty("entries").GetInt64());
        Assert.DoesNotContain("hit", await GetAsync(edge, "/a"), StringComparison.Ordinal);
        Assert.Equal(4, upstream.Requests);
    }

    [Theory]
    [InlineData("{\"path\":")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("{\"path\":\"/a\",\"tag\":\"t\"}")]
    [InlineData("{\"path\":\"a\"}")]
    [InlineData("{\"pth\":\"/a\"}")]
    [InlineData("{\"all\":false}")]
    [InlineData("{\"all\":\"yes\"}")]
    [InlineData("{\"url\":\"/a\"}")]
    public async Task A_bad_purge_request_is_refused_with_a_clear_error_and_purges_nothing(string json)
    {
        await using var upstream = await TaggingUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:Token", Token));
        await WarmAsync(edge, "/a");

        var (status, body, _) = await PostPurgeAsync(edge, json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("error").GetString()));
        Assert.Contains(edge.Logs.Entries, e => e.Message.StartsWith("Rejected purge request", StringComparison.Ordinal));
        await AssertHitAsync(edge, "/a");
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task An_oversized_purge_request_is_refused()
    {
        await using var upstream = await TaggingUpstreamAsync();
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:Token", Token));

        var (status, body, _) = await PostPurgeAsync(edge, JsonSerializer.Serialize(new { tag = new string('t', 100_000) }));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("larger than", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fetch_under_way_when_its_url_is_purged_is_stored_stale()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await TestUpstream.StartAsync(async context =>
        {
            await gate.Task.WaitAsync(TimeSpan.FromSeconds(30));
            context.Response.Headers.CacheControl = "max-age=60";
            await context.Response.WriteAsync("answer from before the purge");
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:Token", Token));

        var fetch = GetAsync(edge, "/racy");
        Assert.True(await Deadline.UntilAsync(() => Task.FromResult(upstream.Requests == 1), TimeSpan.FromSeconds(10)));
        var (_, body, _) = await PurgeUrlAsync(edge, "/racy");
        gate.SetResult();
        await fetch;

        Assert.Equal(0, body.GetProperty("purged").GetInt32());
        Assert.Equal(1, (await edge.StatsAsync(Token)).GetProperty("entries").GetInt64());
        Assert.DoesNotContain("hit", await GetAsync(edge, "/racy"), StringComparison.Ordinal);
        Assert.Equal(2, upstream.Requests);
        await AssertHitAsync(edge, "/racy");
    }
}
