using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeCache.IntegrationTests.Infrastructure;

namespace EdgeCache.IntegrationTests;

public sealed class OriginApiTests
{
    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public async Task Published_content_is_served_with_validators_tags_and_caching_headers()
    {
        await using var origin = await TestOrigin.StartAsync();

        var first = await origin.PutAsync("/css/site.css", "body{}", "text/css", tags: "brand, css");
        var second = await origin.PutAsync("/index.html", "<h1>hi</h1>", "text/html");
        using var response = await origin.Client.GetAsync("/css/site.css");

        Assert.Equal(1, first);
        Assert.Equal(2, second);
        Assert.Equal("body{}", await response.Content.ReadAsStringAsync());
        Assert.Equal($"\"{Sha256("body{}")}\"", response.Headers.ETag?.ToString());
        Assert.False(response.Headers.ETag!.IsWeak);
        Assert.Equal("text/css", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Content.Headers.LastModified);
        Assert.Equal("brand css", Assert.Single(response.Headers.GetValues("Surrogate-Key")));
        Assert.Equal("max-age=31536000", Assert.Single(response.Headers.GetValues("CDN-Cache-Control")));
        Assert.Equal("public, max-age=60", response.Headers.CacheControl?.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await origin.Client.GetAsync("/missing")).StatusCode);
    }

    [Fact]
    public async Task Conditional_and_range_requests_are_answered()
    {
        await using var origin = await TestOrigin.StartAsync();
        await origin.PutAsync("/data.txt", "0123456789");
        var etag = (await origin.Client.GetAsync("/data.txt")).Headers.ETag!;

        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/data.txt");
        conditional.Headers.IfNoneMatch.Add(etag);
        using var notModified = await origin.Client.SendAsync(conditional);
        using var ranged = new HttpRequestMessage(HttpMethod.Get, "/data.txt");
        ranged.Headers.Range = new RangeHeaderValue(2, 4);
        using var partial = await origin.Client.SendAsync(ranged);
        using var head = await origin.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/data.txt"));

        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("234", await partial.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(10, head.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Delete_removes_a_path_and_a_missing_path_is_404()
    {
        await using var origin = await TestOrigin.StartAsync();
        await origin.PutAsync("/gone.txt", "x");

        using var deleted = await origin.Admin.DeleteAsync("/_admin/content/gone.txt");
        using var again = await origin.Admin.DeleteAsync("/_admin/content/gone.txt");

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(2, JsonDocument.Parse(await deleted.Content.ReadAsStringAsync()).RootElement.GetProperty("seq").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await origin.Client.GetAsync("/gone.txt")).StatusCode);
        var entries = (await origin.ChangesAsync()).GetProperty("entries");
        Assert.Equal(["put", "delete"], entries.EnumerateArray().Select(e => e.GetProperty("op").GetString()));
    }

    [Fact]
    public async Task Purges_become_changes_in_order()
    {
        await using var origin = await TestOrigin.StartAsync();

        using var response = await origin.Admin.PostAsync("/_admin/purge", new StringContent(
            """{"paths":["/a"],"prefixes":["/img/"],"tags":["brand"],"all":true,"soft":true}""", Encoding.UTF8, "application/json"));
        var changes = await origin.ChangesAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("seq").GetInt64());
        var entries = changes.GetProperty("entries").EnumerateArray().ToArray();
        Assert.Equal(["purge-path", "purge-prefix", "purge-tag", "purge-all"], entries.Select(e => e.GetProperty("op").GetString()));
        Assert.All(entries, e => Assert.True(e.GetProperty("soft").GetBoolean()));
        Assert.Equal("/img/", entries[1].GetProperty("path").GetString());
        Assert.Equal("brand", entries[2].GetProperty("tags")[0].GetString());
    }

    [Fact]
    public async Task The_change_log_pages_with_after_and_limit()
    {
        await using var origin = await TestOrigin.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            await origin.PutAsync($"/p{i}", $"v{i}");
        }

        var page = await origin.ChangesAsync(after: 2, limit: 2);

        Assert.Equal(5, page.GetProperty("head").GetInt64());
        Assert.Equal([3L, 4L], page.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()));
        Assert.Equal("/p2", page.GetProperty("entries")[0].GetProperty("path").GetString());
    }

    [Fact]
    public async Task Eight_concurrent_publishers_get_1600_distinct_gapless_seqs()
    {
        await using var origin = await TestOrigin.StartAsync();
        var seqs = new ConcurrentBag<long>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(publisher => Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                seqs.Add(await origin.PutAsync($"/p{publisher}/{i}", $"{publisher}:{i}"));
            }
        })));

        Assert.Equal(Enumerable.Range(1, 1600).Select(n => (long)n), seqs.Order());
        var entries = (await origin.ChangesAsync()).GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("seq").GetInt64());
        Assert.Equal(Enumerable.Range(1, 1600).Select(n => (long)n), entries);
        Assert.Equal("3:199", await origin.Client.GetStringAsync("/p3/199"));
    }

    [Fact]
    public async Task Without_the_token_nothing_is_written()
    {
        await using var origin = await TestOrigin.StartAsync();

        using var anonymous = await origin.Client.PutAsync("/_admin/content/a", new StringContent("x"));
        using var wrong = new HttpRequestMessage(HttpMethod.Put, "/_admin/content/a") { Content = new StringContent("x") };
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "guess");
        using var wrongResponse = await origin.Client.SendAsync(wrong);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongResponse.StatusCode);
        Assert.Equal(0, (await origin.ChangesAsync()).GetProperty("head").GetInt64());
        Assert.Contains(origin.Logs.Entries, e => e.Message.Contains("missing or wrong token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_configured_token_the_admin_api_is_off()
    {
        await using var origin = await TestOrigin.StartAsync(null, ("Origin:Token", null));

        using var response = await origin.Admin.PutAsync("/_admin/content/a", new StringContent("x"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("disabled", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await origin.Client.GetAsync("/a")).StatusCode);
    }

    [Theory]
    [InlineData("/_admin/content/a/%2e%2e/b")]
    [InlineData("/_admin/content/a%2Fb")]
    [InlineData("/_admin/content/a%5Cb")]
    [InlineData("/_admin/content/a%00b")]
    [InlineData("/_admin/content/a//b")]
    public async Task Bad_paths_are_rejected_and_nothing_is_written(string target)
    {
        await using var origin = await TestOrigin.StartAsync();

        // Sent raw: HttpClient's Uri would rewrite some of these before they left.
        var status = await RawStatusAsync(origin.Url, $"PUT {target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TestOrigin.Token}\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx");

        Assert.Equal(400, status);
        Assert.Equal(0, (await origin.ChangesAsync()).GetProperty("head").GetInt64());
    }

    [Fact]
    public async Task A_literal_dot_dot_segment_is_rejected()
    {
        await using var origin = await TestOrigin.StartAsync();

        // HttpClient would remove the dot segment itself; a raw request sends it as a client may.
        var status = await RawStatusAsync(origin.Url, $"PUT /_admin/content/a/../../etc/passwd HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TestOrigin.Token}\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx");

        Assert.Equal(400, status);
        Assert.Equal(0, (await origin.ChangesAsync()).GetProperty("head").GetInt64());
    }

    [Fact]
    public async Task A_path_over_2_KiB_is_rejected()
    {
        await using var origin = await TestOrigin.StartAsync();

        using var response = await origin.Admin.PutAsync("/_admin/content/" + new string('a', 2100), new StringContent("x"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, (await origin.ChangesAsync()).GetProperty("head").GetInt64());
    }

    [Fact]
    public async Task A_body_over_the_limit_is_rejected_and_nothing_is_stored()
    {
        await using var origin = await TestOrigin.StartAsync(null, ("Origin:MaxBodyBytes", "1000"));

        using var response = await origin.Admin.PutAsync("/_admin/content/big", new ByteArrayContent(new byte[5000]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("limit", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, (await origin.ChangesAsync()).GetProperty("head").GetInt64());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(origin.Data, "blobs"), "*", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"paths":"/a"}""")]
    [InlineData("""{"unknown":1}""")]
    [InlineData("{}")]
    [InlineData("""{"paths":["../etc"]}""")]
    [InlineData("""{"tags":["two words"]}""")]
    public async Task A_bad_purge_body_is_rejected(string body)
    {
        await using var origin = await TestOrigin.StartAsync();

        using var response = await origin.Admin.PostAsync("/_admin/purge", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.TryGetProperty("error", out _));
        Assert.Equal(0, (await origin.ChangesAsync()).GetProperty("head").GetInt64());
    }

    [Theory]
    [InlineData("wait=some")]
    [InlineData("wait=all&timeout=abc")]
    [InlineData("wait=all&timeout=10m")]
    [InlineData("wait=all&timeout=0s")]
    [InlineData("wait=all&timeout=-1s")]
    [InlineData("timeout=5s")]
    [InlineData("wait=all&wait=all")]
    public async Task A_bad_wait_is_rejected_and_nothing_is_written(string query)
    {
        await using var origin = await TestOrigin.StartAsync();

        using var put = await origin.Admin.PutAsync($"/_admin/content/a?{query}", new StringContent("a"));
        using var purge = await origin.Admin.PostAsync($"/_admin/purge?{query}", new StringContent("""{"all":true}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, purge.StatusCode);
        Assert.True((await put.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("error", out _));
        Assert.Equal(0, (await origin.ChangesAsync()).GetProperty("head").GetInt64());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(origin.Data, "blobs"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Mutating_calls_with_wait_all_and_no_connected_edges_return_at_once()
    {
        await using var origin = await TestOrigin.StartAsync();

        using var put = await origin.Admin.PutAsync("/_admin/content/w?wait=all&timeout=5s", new StringContent("w"));
        using var purge = await origin.Admin.PostAsync("/_admin/purge?wait=all&timeout=500ms", new StringContent("""{"all":true}""", Encoding.UTF8, "application/json"));
        using var delete = await origin.Admin.DeleteAsync("/_admin/content/w?wait=all");
        using var none = await origin.Admin.PutAsync("/_admin/content/n?wait=none", new StringContent("n"));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.Equal(HttpStatusCode.OK, none.StatusCode);
        Assert.Equal("""{"seq":1,"acked":[],"pending":[]}""", await put.Content.ReadAsStringAsync());
        Assert.Equal("""{"seq":4}""", await none.Content.ReadAsStringAsync());
        Assert.Equal(4, (await origin.ChangesAsync()).GetProperty("head").GetInt64());
    }

    [Theory]
    [InlineData("max-age=abc")]
    [InlineData("max-age=\"1")]
    public async Task A_bad_cache_control_on_a_put_is_rejected(string cacheControl)
    {
        await using var origin = await TestOrigin.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Put, "/_admin/content/cc") { Content = new StringContent("cc") };
        request.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);

        using var response = await origin.Admin.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, (await origin.ChangesAsync()).GetProperty("head").GetInt64());
    }

    [Fact]
    public async Task The_origin_compacts_its_log_every_maintenance_interval()
    {
        await using var origin = await TestOrigin.StartAsync(
            null,
            ("Origin:MaintenanceInterval", "00:00:00.1"),
            ("Origin:Log:Retain", "5"),
            ("Origin:Log:SegmentBytes", "300"));
        for (var i = 0; i < 30; i++)
        {
            await origin.PutAsync($"/page/{i}", $"page {i}");
        }

        Assert.True(await Deadline.UntilAsync(
            async () => (await origin.ChangesAsync()).GetProperty("lowWaterMark").GetInt64() > 1,
            TimeSpan.FromSeconds(10)));
        var changes = await origin.ChangesAsync();
        var low = changes.GetProperty("lowWaterMark").GetInt64();
        Assert.InRange(low, 2, 26);
        Assert.Equal(low, changes.GetProperty("entries")[0].GetProperty("seq").GetInt64());
        Assert.Equal(30, changes.GetProperty("head").GetInt64());
        Assert.Equal("page 0", await origin.Client.GetStringAsync("/page/0"));
    }

    [Fact]
    public async Task A_content_folder_is_imported_and_only_changed_files_become_changes()
    {
        var site = Directory.CreateTempSubdirectory("edgecache-site-").FullName;
        Directory.CreateDirectory(Path.Combine(site, "css"));
        await File.WriteAllTextAsync(Path.Combine(site, "index.html"), "<h1>home</h1>");
        await File.WriteAllTextAsync(Path.Combine(site, "css", "site.css"), "body{}");
        var data = TestOrigin.NewDataFolder();

        await using (var origin = await TestOrigin.StartAsync(data, ("Origin:Content", site)))
        {
            Assert.Equal(2, (await origin.ChangesAsync()).GetProperty("head").GetInt64());
            using var css = await origin.Client.GetAsync("/css/site.css");
            Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        }

        await using (var unchanged = await TestOrigin.StartAsync(data, ("Origin:Content", site)))
        {
            Assert.Equal(2, (await unchanged.ChangesAsync()).GetProperty("head").GetInt64());
        }

        await File.WriteAllTextAsync(Path.Combine(site, "index.html"), "<h1>home, again</h1>");
        await using (var changed = await TestOrigin.StartAsync(data, ("Origin:Content", site)))
        {
            var changes = await changed.ChangesAsync();
            Assert.Equal(3, changes.GetProperty("head").GetInt64());
            Assert.Equal("/index.html", changes.GetProperty("entries")[2].GetProperty("path").GetString());
            Assert.Equal("<h1>home, again</h1>", await changed.Client.GetStringAsync("/index.html"));
        }
    }

    private static async Task<int> RawStatusAsync(string url, string request)
    {
        var uri = new Uri(url);
        using var client = new TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync() ?? string.Empty;
        return int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
