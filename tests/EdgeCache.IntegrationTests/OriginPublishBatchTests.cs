using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeCache.IntegrationTests.Infrastructure;

namespace EdgeCache.IntegrationTests;

/// <summary>Batch publish over a real origin: manifest, missing hashes, uploads, all-or-nothing commit.</summary>
public sealed class OriginPublishBatchTests
{
    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static object Item(string path, string body, string type = "text/plain", string[]? tags = null, string? cacheControl = null)
        => new { path, hash = Sha256(body), size = Encoding.UTF8.GetByteCount(body), contentType = type, tags = tags ?? [], cacheControl };

    [Fact]
    public async Task A_batch_uploads_only_missing_blobs_and_commits_as_consecutive_seqs()
    {
        await using var origin = await TestOrigin.StartAsync();
        await origin.PutAsync("/already.txt", "shared body");

        var begun = await BeginAsync(origin, new
        {
            items = new[]
            {
                Item("/a.html", "<p>a</p>", "text/html", ["pages"]),
                Item("/b.css", "b{}", "text/css"),
                Item("/copy.txt", "shared body", cacheControl: "public, max-age=5"),
            },
        });
        var batch = begun.GetProperty("batch").GetString()!;

        Assert.Equal("open", begun.GetProperty("state").GetString());
        Assert.Equal(
            new[] { Sha256("<p>a</p>"), Sha256("b{}") }.Order(StringComparer.Ordinal),
            begun.GetProperty("missing").EnumerateArray().Select(h => h.GetString()!));
        Assert.Equal(HttpStatusCode.OK, await UploadAsync(origin, batch, "<p>a</p>"));
        Assert.Equal(HttpStatusCode.NotFound, (await origin.Client.GetAsync("/a.html")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await UploadAsync(origin, batch, "b{}"));
        var status = await origin.Admin.GetFromJsonAsync<JsonElement>($"/_admin/publish/{batch}");
        Assert.Empty(status.GetProperty("missing").EnumerateArray());

        using var commit = await origin.Admin.PostAsync($"/_admin/publish/{batch}/commit", null);
        var report = await commit.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, commit.StatusCode);
        Assert.Equal(4, report.GetProperty("seq").GetInt64());
        Assert.Equal(3, report.GetProperty("changes").GetInt32());
        var entries = (await origin.ChangesAsync(after: 1)).GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal([2L, 3L, 4L], entries.Select(e => e.GetProperty("seq").GetInt64()));
        Assert.Equal(["/a.html", "/b.css", "/copy.txt"], entries.Select(e => e.GetProperty("path").GetString()));
        using var page = await origin.Client.GetAsync("/a.html");
        Assert.Equal("<p>a</p>", await page.Content.ReadAsStringAsync());
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal("pages", Assert.Single(page.Headers.GetValues("Surrogate-Key")));
        using var copy = await origin.Client.GetAsync("/copy.txt");
        Assert.Equal("shared body", await copy.Content.ReadAsStringAsync());
        Assert.Equal("public, max-age=5", copy.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task A_commit_with_a_missing_blob_changes_nothing_and_names_it()
    {
        await using var origin = await TestOrigin.StartAsync();
        var batch = (await BeginAsync(origin, new { items = new[] { Item("/one", "1"), Item("/two", "2") } })).GetProperty("batch").GetString()!;
        await UploadAsync(origin, batch, "1");

        using var refused = await origin.Admin.PostAsync($"/_admin/publish/{batch}/commit", null);
        var body = await refused.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal([Sha256("2")], body.GetProperty("missing").EnumerateArray().Select(h => h.GetString()));
        Assert.Contains("lacks 1 blob", body.GetProperty("error").GetString());
        Assert.Equal(0, (await origin.ChangesAsync()).GetProperty("head").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, (await origin.Client.GetAsync("/one")).StatusCode);

        await UploadAsync(origin, batch, "2");
        using var committed = await origin.Admin.PostAsync($"/_admin/publish/{batch}/commit", null);
        Assert.Equal(HttpStatusCode.OK, committed.StatusCode);
        Assert.Equal(2, (await origin.ChangesAsync()).GetProperty("head").GetInt64());
    }

    [Fact]
    public async Task Items_equal_to_the_manifest_are_skipped_and_a_metadata_change_is_a_change()
    {
        await using var origin = await TestOrigin.StartAsync();
        var manifest = new { items = new[] { Item("/x", "x"), Item("/y", "y", tags: ["t"]) } };
        await PublishAsync(origin, manifest, "x", "y");

        var again = await PublishAsync(origin, manifest);
        var retagged = await PublishAsync(origin, new { items = new[] { Item("/x", "x"), Item("/y", "y", tags: ["t", "u"]) } });

        Assert.Equal(0, again.GetProperty("changes").GetInt32());
        Assert.Equal(2, again.GetProperty("unchanged").GetInt32());
        Assert.Equal(2, again.GetProperty("seq").GetInt64());
        Assert.Equal(1, retagged.GetProperty("changes").GetInt32());
        Assert.Equal(3, retagged.GetProperty("seq").GetInt64());
        using var y = await origin.Client.GetAsync("/y");
        Assert.Equal("t u", Assert.Single(y.Headers.GetValues("Surrogate-Key")));
    }

    [Fact]
    public async Task A_batch_deletes_existing_paths_and_ignores_absent_ones()
    {
        await using var origin = await TestOrigin.StartAsync();
        await origin.PutAsync("/old.html", "old");

        var report = await PublishAsync(origin, new { items = new[] { Item("/new.html", "new") }, deletes = new[] { "/old.html", "/never.html" } }, "new");

        Assert.Equal(2, report.GetProperty("changes").GetInt32());
        var entries = (await origin.ChangesAsync(after: 1)).GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(["delete", "put"], entries.Select(e => e.GetProperty("op").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await origin.Client.GetAsync("/old.html")).StatusCode);
        Assert.Equal("new", await origin.Client.GetStringAsync("/new.html"));
    }

    [Fact]
    public async Task A_repeated_commit_gets_the_same_answer_and_a_committed_batch_takes_no_more()
    {
        await using var origin = await TestOrigin.StartAsync();
        var batch = (await BeginAsync(origin, new { items = new[] { Item("/once", "once") } })).GetProperty("batch").GetString()!;
        await UploadAsync(origin, batch, "once");

        using var first = await origin.Admin.PostAsync($"/_admin/publish/{batch}/commit", null);
        using var second = await origin.Admin.PostAsync($"/_admin/publish/{batch}/commit", null);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(1, (await origin.ChangesAsync()).GetProperty("head").GetInt64());
        Assert.Equal(HttpStatusCode.Conflict, await UploadAsync(origin, batch, "once"));
        Assert.Equal(HttpStatusCode.Conflict, (await origin.Admin.DeleteAsync($"/_admin/publish/{batch}")).StatusCode);
        var status = await origin.Admin.GetFromJsonAsync<JsonElement>($"/_admin/publish/{batch}");
        Assert.Equal("committed", status.GetProperty("state").GetString());
        Assert.Equal(1, status.GetProperty("report").GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task A_batch_commit_is_not_interleaved_with_concurrent_publishes()
    {
        await using var origin = await TestOrigin.StartAsync();
        var bodies = Enumerable.Range(0, 50).Select(i => $"batch item {i}").ToArray();
        var batch = (await BeginAsync(origin, new { items = bodies.Select((b, i) => Item($"/batch/{i}", b)).ToArray() })).GetProperty("batch").GetString()!;
        foreach (var body in bodies)
        {
            await UploadAsync(origin, batch, body);
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var committed = false;
        var publishers = Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < 200 && !Volatile.Read(ref committed) && !stop.IsCancellationRequested; i++)
            {
                await origin.PutAsync($"/single/{p}/{i}", $"single {p} {i}");
            }
        })).ToList();
        await origin.PutAsync("/single/before", "before");
        using var commit = await origin.Admin.PostAsync($"/_admin/publish/{batch}/commit", null);
        Volatile.Write(ref committed, true);
        await Task.WhenAll(publishers);

        var report = await commit.Content.ReadFromJsonAsync<JsonElement>();
        var last = report.GetProperty("seq").GetInt64();
        var entries = (await origin.ChangesAsync(after: last - 50, limit: 50)).GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(50, report.GetProperty("changes").GetInt32());
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"/batch/{i}"), entries.Select(e => e.GetProperty("path").GetString()));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => last - 49 + i), entries.Select(e => e.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task Bad_uploads_are_rejected_and_store_nothing()
    {
        await using var origin = await TestOrigin.StartAsync();
        var batch = (await BeginAsync(origin, new { items = new[] { Item("/f", "the real body") } })).GetProperty("batch").GetString()!;
        var hash = Sha256("the real body");

        var wrongBody = await PutBlobAsync(origin, $"/_admin/publish/{batch}/blobs/{hash}", "the fake body");
        var tooLong = await PutBlobAsync(origin, $"/_admin/publish/{batch}/blobs/{hash}", "the real body, and more");
        var foreign = await PutBlobAsync(origin, $"/_admin/publish/{batch}/blobs/{Sha256("other")}", "other");
        var badHash = await PutBlobAsync(origin, $"/_admin/publish/{batch}/blobs/NOT-A-HASH", "x");
        var noBatch = await PutBlobAsync(origin, $"/_admin/publish/{new string('0', 32)}/blobs/{hash}", "the real body");

        Assert.Equal(HttpStatusCode.BadRequest, wrongBody.Status);
        Assert.Contains("hashes to", wrongBody.Error);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.Status);
        Assert.Equal(HttpStatusCode.BadRequest, foreign.Status);
        Assert.Contains("not part of", foreign.Error);
        Assert.Equal(HttpStatusCode.BadRequest, badHash.Status);
        Assert.Equal(HttpStatusCode.NotFound, noBatch.Status);
        var status = await origin.Admin.GetFromJsonAsync<JsonElement>($"/_admin/publish/{batch}");
        Assert.Equal([hash], status.GetProperty("missing").EnumerateArray().Select(h => h.GetString()));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(origin.Data, "blobs"), "*", SearchOption.AllDirectories));
        Assert.Contains(origin.Logs.Entries, e => e.Message.Contains("hashes to", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"items":[],"unknown":1}""")]
    [InlineData("{}")]
    [InlineData("""{"items":[{"path":"/a","hash":"abc","size":1}]}""")]
    [InlineData("""{"items":[{"path":"/a/../b","hash":"HASH","size":1}]}""")]
    [InlineData("""{"items":[{"path":"/a","hash":"HASH","size":-1}]}""")]
    [InlineData("""{"items":[{"path":"/a","hash":"HASH"}]}""")]
    [InlineData("""{"items":[{"path":"/a","hash":"HASH","size":1,"contentType":"text/html\r\nX-Evil: 1"}]}""")]
    [InlineData("""{"items":[{"path":"/a","hash":"HASH","size":1,"cacheControl":"max-age=1\nX-Evil: 1"}]}""")]
    [InlineData("""{"items":[{"path":"/a","hash":"HASH","size":1,"tags":["two words"]}]}""")]
    [InlineData("""{"items":[{"path":"/a","hash":"HASH","size":1},{"path":"/a","hash":"HASH","size":1}]}""")]
    [InlineData("""{"items":[{"path":"/a","hash":"HASH","size":1},{"path":"/b","hash":"HASH","size":2}]}""")]
    [InlineData("""{"items":[{"path":"/a","hash":"HASH","size":1}],"deletes":["/a"]}""")]
    [InlineData("""{"deletes":["/a%2Fb/../c","/x"]}""")]
    [InlineData("""{"items":[{"path":"/a","hash":"HASH","size":999999999999}]}""")]
    public async Task A_bad_manifest_is_rejected_and_opens_no_batch(string body)
    {
        await using var origin = await TestOrigin.StartAsync(settings: ("Origin:MaxOpenBatches", "1"));
        using var content = new StringContent(body.Replace("HASH", Sha256("a"), StringComparison.Ordinal), Encoding.UTF8, "application/json");

        using var response = await origin.Admin.PostAsync("/_admin/publish", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(string.IsNullOrEmpty((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()));
        // The one batch allowed is still free.
        await BeginAsync(origin, new { items = new[] { Item("/ok", "ok") } });
    }

    [Fact]
    public async Task Open_batches_are_limited_and_aborting_one_frees_its_place()
    {
        await using var origin = await TestOrigin.StartAsync(settings: ("Origin:MaxOpenBatches", "2"));
        var first = (await BeginAsync(origin, new { items = new[] { Item("/1", "1") } })).GetProperty("batch").GetString()!;
        await BeginAsync(origin, new { items = new[] { Item("/2", "2") } });

        using var refused = await origin.Admin.PostAsJsonAsync("/_admin/publish", new { items = new[] { Item("/3", "3") } });
        using var aborted = await origin.Admin.DeleteAsync($"/_admin/publish/{first}");
        using var afterAbort = await origin.Admin.PostAsJsonAsync("/_admin/publish", new { items = new[] { Item("/3", "3") } });

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, aborted.StatusCode);
        Assert.Equal(HttpStatusCode.Created, afterAbort.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await origin.Admin.PostAsync($"/_admin/publish/{first}/commit", null)).StatusCode);
    }

    [Fact]
    public async Task Publish_endpoints_need_the_token()
    {
        await using var origin = await TestOrigin.StartAsync();
        var batch = (await BeginAsync(origin, new { items = new[] { Item("/p", "p") } })).GetProperty("batch").GetString()!;

        using var begin = await origin.Client.PostAsJsonAsync("/_admin/publish", new { items = new[] { Item("/q", "q") } });
        using var upload = await origin.Client.PutAsync($"/_admin/publish/{batch}/blobs/{Sha256("p")}", new StringContent("p"));
        using var commit = await origin.Client.PostAsync($"/_admin/publish/{batch}/commit", null);

        Assert.Equal(HttpStatusCode.Unauthorized, begin.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, upload.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, commit.StatusCode);
        Assert.False(Directory.Exists(Path.Combine(origin.Data, "blobs", Sha256("p")[..2])));
        Assert.Equal(0, (await origin.ChangesAsync()).GetProperty("head").GetInt64());
    }

    private static async Task<JsonElement> BeginAsync(TestOrigin origin, object manifest)
    {
        using var response = await origin.Admin.PostAsJsonAsync("/_admin/publish", manifest);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<HttpStatusCode> UploadAsync(TestOrigin origin, string batch, string body)
        => (await PutBlobAsync(origin, $"/_admin/publish/{batch}/blobs/{Sha256(body)}", body)).Status;

    private static async Task<(HttpStatusCode Status, string Error)> PutBlobAsync(TestOrigin origin, string target, string body)
    {
        using var response = await origin.Admin.PutAsync(target, new ByteArrayContent(Encoding.UTF8.GetBytes(body)));
        var error = response.IsSuccessStatusCode ? string.Empty : (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!;
        return (response.StatusCode, error);
    }

    /// <summary>Begins, uploads what is missing of <paramref name="bodies"/>, commits; returns the commit report.</summary>
    private static async Task<JsonElement> PublishAsync(TestOrigin origin, object manifest, params string[] bodies)
    {
        var batch = (await BeginAsync(origin, manifest)).GetProperty("batch").GetString()!;
        foreach (var body in bodies)
        {
            Assert.Equal(HttpStatusCode.OK, await UploadAsync(origin, batch, body));
        }

        using var commit = await origin.Admin.PostAsync($"/_admin/publish/{batch}/commit", null);
        Assert.Equal(HttpStatusCode.OK, commit.StatusCode);
        return await commit.Content.ReadFromJsonAsync<JsonElement>();
    }
}
