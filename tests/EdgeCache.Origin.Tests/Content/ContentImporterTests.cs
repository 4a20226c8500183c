using System.Security.Cryptography;
using System.Text;
using EdgeCache.Replication.Tests.Changes;
using EdgeCache.Origin.Content;
using EdgeCache.Replication.Changes;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.Origin.Tests.Content;

public sealed class ContentImporterTests : IDisposable
{
    private readonly TestDirectory _data = new();
    private readonly TestDirectory _site = new();
    private readonly ManualTime _time = new(DateTimeOffset.UtcNow);
    private long _seq;

    public void Dispose()
    {
        _data.Dispose();
        _site.Dispose();
    }

    [Fact]
    public async Task The_first_import_makes_a_put_for_every_file()
    {
        _site.Write("index.html", "<h1>home</h1>");
        _site.Write("img/logo.png", "png bytes");
        _site.Write("css/deep/nested/site.css", "body{}");
        using var store = await OpenAsync();

        var changes = await Importer(store).ImportAsync(_site.Path);

        Assert.Equal(["/css/deep/nested/site.css", "/img/logo.png", "/index.html"], changes.Select(c => c.Path));
        var index = changes.Single(c => c.Path == "/index.html");
        Assert.Equal(ChangeOps.Put, index.Op);
        Assert.Equal(0, index.Seq);
        Assert.Equal(13, index.Size);
        Assert.Equal("\"" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("<h1>home</h1>"))) + "\"", index.ETag);
        Assert.Empty(index.Tags!);
        Assert.Null(index.CacheControl);
        Assert.All(changes, c => Assert.True(FileContentStore.TryParseETag(c.ETag, out var hash) && store.HasBlob(hash)));
    }

    [Fact]
    public async Task Content_types_come_from_the_extension()
    {
        _site.Write("a.html", "x");
        _site.Write("b.png", "x");
        _site.Write("c.css", "x");
        _site.Write("d.js", "x");
        _site.Write("e.json", "x");
        _site.Write("f.unknownext", "x");
        _site.Write("noextension", "x");
        using var store = await OpenAsync();

        var changes = await Importer(store).ImportAsync(_site.Path);

        var types = changes.ToDictionary(c => c.Path!, c => c.ContentType);
        Assert.Equal("text/html", types["/a.html"]);
        Assert.Equal("image/png", types["/b.png"]);
        Assert.Equal("text/css", types["/c.css"]);
        Assert.Equal("text/javascript", types["/d.js"]);
        Assert.Equal("application/json", types["/e.json"]);
        Assert.Equal("application/octet-stream", types["/f.unknownext"]);
        Assert.Equal("application/octet-stream", types["/noextension"]);
    }

    [Fact]
    public async Task Importing_an_unchanged_tree_again_makes_no_changes()
    {
        _site.Write("a.txt", "a");
        _site.Write("sub/b.txt", "b");
        using var store = await OpenAsync();
        await ImportAndApplyAsync(store);

        var again = await Importer(store).ImportAsync(_site.Path);

        Assert.Empty(again);
    }

    [Fact]
    public async Task Changing_one_file_makes_one_change()
    {
        _site.Write("a.txt", "a");
        _site.Write("sub/b.txt", "b");
        _site.Write("sub/c.txt", "c");
        using var store = await OpenAsync();
        await ImportAndApplyAsync(store);

        _site.Write("sub/b.txt", "b, edited");
        var changes = await ImportAndApplyAsync(store);

        var change = Assert.Single(changes);
        Assert.Equal("/sub/b.txt", change.Path);
        Assert.Equal(9, change.Size);
        Assert.Equal(change.ETag, FileContentStore.ETagFor(store.Get("/sub/b.txt")!.Hash));
        Assert.Equal(3, store.Items().Count);
    }

    [Fact]
    public async Task Identical_files_share_one_blob()
    {
        _site.Write("one.txt", "same");
        _site.Write("two/one.txt", "same");
        using var store = await OpenAsync();

        var changes = await Importer(store).ImportAsync(_site.Path);

        Assert.Equal(2, changes.Count);
        Assert.Single(changes.Select(c => c.ETag).Distinct());
        Assert.Single(Directory.GetFiles(_data.Combine("blobs"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Missing_files_are_not_deleted_unless_asked()
    {
        _site.Write("keep.txt", "k");
        var gone = _site.Write("gone.txt", "g");
        using var store = await OpenAsync();
        await ImportAndApplyAsync(store);
        File.Delete(gone);

        Assert.Empty(await Importer(store).ImportAsync(_site.Path));

        var changes = await new ContentImporter(store, NullLogger<ContentImporter>.Instance) { IncludeDeletes = true }.ImportAsync(_site.Path);
        var delete = Assert.Single(changes);
        Assert.Equal(ChangeOps.Delete, delete.Op);
        Assert.Equal("/gone.txt", delete.Path);
    }

    [Fact]
    public async Task A_path_prefix_mounts_the_tree_and_bounds_deletes()
    {
        _site.Write("a.txt", "a");
        using var store = await OpenAsync();
        await ApplyAsync(store, [new ChangeEntry { Op = ChangeOps.Put, Path = "/other.txt", ETag = FileContentStore.ETagFor(await store.WriteBlobAsync(new MemoryStream([1]), 10)), Size = 1 }]);

        var importer = new ContentImporter(store, NullLogger<ContentImporter>.Instance) { PathPrefix = "/static/", IncludeDeletes = true };
        var changes = await importer.ImportAsync(_site.Path);

        var put = Assert.Single(changes);
        Assert.Equal("/static/a.txt", put.Path);
    }

    [Fact]
    public async Task Hidden_files_and_directories_are_skipped_except_well_known()
    {
        _site.Write("page.html", "p");
        _site.Write(".git/config", "secret");
        _site.Write(".page.html.swp", "editor");
        _site.Write("sub/.hidden", "h");
        _site.Write(".well-known/security.txt", "contact");
        using var store = await OpenAsync();

        var changes = await Importer(store).ImportAsync(_site.Path);

        Assert.Equal(["/.well-known/security.txt", "/page.html"], changes.Select(c => c.Path));
    }

    [Fact]
    public async Task Symlinks_inside_the_tree_are_followed_and_those_leaving_it_are_skipped()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var outside = new TestDirectory();
        outside.Write("secret.txt", "do not publish");
        outside.Write("dir/secret2.txt", "do not publish either");
        _site.Write("real/page.txt", "page");
        File.CreateSymbolicLink(_site.Combine("alias.txt"), _site.Combine("real", "page.txt"));
        File.CreateSymbolicLink(_site.Combine("relative.txt"), "real/page.txt");
        Directory.CreateSymbolicLink(_site.Combine("mirror"), _site.Combine("real"));
        File.CreateSymbolicLink(_site.Combine("escape.txt"), outside.Combine("secret.txt"));
        File.CreateSymbolicLink(_site.Combine("escape-relative.txt"), "../" + Path.GetFileName(outside.Path) + "/secret.txt");
        Directory.CreateSymbolicLink(_site.Combine("escape-dir"), outside.Combine("dir"));
        // A link inside the tree to a path that goes out through another link.
        File.CreateSymbolicLink(_site.Combine("sneaky.txt"), _site.Combine("escape-dir", "secret2.txt"));
        File.CreateSymbolicLink(_site.Combine("dangling.txt"), _site.Combine("nowhere.txt"));
        // A cycle: the walk must end.
        Directory.CreateSymbolicLink(_site.Combine("real", "loop"), _site.Path);
        using var store = await OpenAsync();

        var changes = await Importer(store).ImportAsync(_site.Path);

        Assert.Equal(["/alias.txt", "/mirror/page.txt", "/real/page.txt", "/relative.txt"], changes.Select(c => c.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_file_over_the_limit_fails_the_import()
    {
        _site.Write("big.bin", new string('x', 101));
        using var store = await OpenAsync();

        await Assert.ThrowsAsync<ContentTooLargeException>(() =>
            new ContentImporter(store, NullLogger<ContentImporter>.Instance) { MaxFileBytes = 100 }.ImportAsync(_site.Path));
    }

    [Fact]
    public async Task A_file_whose_name_is_not_a_valid_path_is_skipped()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        _site.Write("ok.txt", "ok");
        _site.Write("back\\slash.txt", "bad");
        _site.Write("what?.txt", "bad");
        using var store = await OpenAsync();

        var changes = await Importer(store).ImportAsync(_site.Path);

        Assert.Equal(["/ok.txt"], changes.Select(c => c.Path));
    }

    [Fact]
    public async Task A_missing_directory_is_an_error()
    {
        using var store = await OpenAsync();

        await Assert.ThrowsAsync<DirectoryNotFoundException>(() => Importer(store).ImportAsync(_site.Combine("nope")));
    }

    private Task<FileContentStore> OpenAsync() =>
        FileContentStore.OpenAsync(_data.Path, _time, NullLogger<FileContentStore>.Instance);

    private static ContentImporter Importer(IContentStore store) => new(store, NullLogger<ContentImporter>.Instance);

    private async Task<IReadOnlyList<ChangeEntry>> ImportAndApplyAsync(IContentStore store)
    {
        var changes = await Importer(store).ImportAsync(_site.Path);
        await ApplyAsync(store, changes);
        return changes;
    }

    /// <summary>Does what the change log would: assigns seqs and times, then applies.</summary>
    private async Task ApplyAsync(IContentStore store, IReadOnlyList<ChangeEntry> changes)
    {
        var logged = changes.Select(c => c with { Seq = ++_seq, At = _time.GetUtcNow() }).ToList();
        await store.ApplyAsync(logged);
    }
}
