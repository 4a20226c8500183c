using EdgeCache.Origin.Content;
using EdgeCache.Replication.Changes;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.Origin.Tests.Content;

/// <summary>The contract, plus what only files can get wrong: the layout, temp files, the manifest file.</summary>
public sealed class FileContentStoreTests : ContentStoreContract
{
    private readonly TestDirectory _data = new();

    protected override async Task<IContentStore> OpenStoreAsync() => await OpenAsync();

    protected override Task CleanUpAsync()
    {
        _data.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Blobs_live_under_their_fanned_out_hash_once_and_failed_writes_leave_no_temp_files()
    {
        using var store = await OpenAsync();

        var hash = await store.WriteBlobAsync(Text("hello, edge"), 1024);
        Assert.Equal(hash, await store.WriteBlobAsync(Text("hello, edge"), 1024));
        await Assert.ThrowsAsync<ContentTooLargeException>(() => store.WriteBlobAsync(new MemoryStream(new byte[101]), 100));
        await Assert.ThrowsAsync<BlobHashMismatchException>(() => store.WriteBlobAsync(Text("something else"), 100, new string('a', 64)));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.WriteBlobAsync(Text("never"), 100, cancellationToken: cancelled.Token));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => store.WriteBlobAsync(Text("hello, edge"), 1024))));

        Assert.Equal([_data.Combine("blobs", hash[..2], hash)], Directory.GetFiles(_data.Combine("blobs"), "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(_data.Combine("tmp")));
    }

    [Theory]
    [InlineData("../../../../etc/passwd")]
    [InlineData("ab/../../manifest.json")]
    public async Task A_hash_shaped_like_a_path_never_reaches_the_disk(string hash)
    {
        using var store = await OpenAsync();
        _data.Write("manifest.json", "{}");

        Assert.False(store.HasBlob(hash));
        Assert.Null(store.OpenBlob(hash));
        Assert.Null(store.BlobSize(hash));
    }

    [Theory]
    [InlineData("\"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"", true)]
    [InlineData("W/\"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"", false)]
    [InlineData("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", false)]
    [InlineData("\"../../etc/passwd\"", false)]
    [InlineData("\"\"", false)]
    [InlineData(null, false)]
    public void Etags_are_parsed_strictly(string? etag, bool valid)
    {
        Assert.Equal(valid, FileContentStore.TryParseETag(etag, out var hash));
        if (valid)
        {
            Assert.Equal(FileContentStore.ETagFor(hash), etag);
        }
    }

    [Fact]
    public async Task A_batch_with_only_old_seqs_does_not_rewrite_the_manifest()
    {
        using var store = await OpenAsync();
        var hash = await store.WriteBlobAsync(Text("v1"), 100);
        await store.ApplyAsync([Put(1, "/a", hash)]);
        var written = File.GetLastWriteTimeUtc(_data.Combine("manifest.json"));
        File.SetLastWriteTimeUtc(_data.Combine("manifest.json"), written.AddDays(-1));

        await store.ApplyAsync([Put(1, "/a", hash)]);

        Assert.Equal(written.AddDays(-1), File.GetLastWriteTimeUtc(_data.Combine("manifest.json")));
    }

    [Fact]
    public async Task The_manifest_file_has_the_documented_shape()
    {
        using (var store = await OpenAsync())
        {
            var hash = await store.WriteBlobAsync(Text("x"), 100);
            await store.ApplyAsync([Put(7, "/x", hash)]);
        }

        var json = await File.ReadAllTextAsync(_data.Combine("manifest.json"));

        Assert.StartsWith("{\"appliedSeq\":7,\"items\":[{\"path\":\"/x\",\"hash\":\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_temp_manifest_left_by_a_crash_is_ignored_and_removed_at_open()
    {
        string hash;
        using (var store = await OpenAsync())
        {
            hash = await store.WriteBlobAsync(Text("x"), 100);
            await store.ApplyAsync([Put(1, "/x", hash)]);
        }

        // A crash between writing the temp manifest and renaming it: half a document.
        var leftover = _data.Write("tmp/manifest-0123.tmp", "{\"appliedSeq\":99,\"items\":[{\"pa");
        _data.Write("tmp/blob-0123.tmp", "partial blob");

        using var reopened = await OpenAsync();

        Assert.Equal(1, reopened.AppliedSeq);
        Assert.Equal(hash, reopened.Get("/x")!.Hash);
        Assert.False(File.Exists(leftover));
        Assert.Empty(Directory.GetFiles(_data.Combine("tmp")));
    }

    [Fact]
    public async Task Applying_leaves_no_temp_files_and_only_the_manifest_at_the_top()
    {
        using var store = await OpenAsync();
        var hash = await store.WriteBlobAsync(Text("x"), 100);

        for (var seq = 1; seq <= 5; seq++)
        {
            await store.ApplyAsync([Put(seq, "/p" + seq, hash)]);
        }

        Assert.Empty(Directory.GetFiles(_data.Combine("tmp")));
        Assert.Equal([_data.Combine("manifest.json")], Directory.GetFiles(_data.Path));
    }

    [Fact]
    public async Task A_corrupt_manifest_fails_the_open_instead_of_losing_content()
    {
        _data.Write("manifest.json", "{\"appliedSeq\":3,\"items\":[");

        await Assert.ThrowsAsync<InvalidDataException>(OpenAsync);
    }

    [Fact]
    public async Task A_manifest_with_a_bad_hash_fails_the_open()
    {
        _data.Write("manifest.json", """
            {"appliedSeq":1,"items":[{"path":"/x","hash":"../../etc/passwd","size":1,"contentType":"text/plain","tags":[],"cacheControl":null,"lastModified":"2026-01-01T00:00:00Z","seq":1}]}
            """);

        await Assert.ThrowsAsync<InvalidDataException>(OpenAsync);
    }

    [Fact]
    public async Task Garbage_collection_removes_stale_temp_files_and_ignores_foreign_files()
    {
        using var store = await OpenAsync();
        var stale = _data.Write("tmp/blob-dead.tmp", "crashed writer");
        var foreign = _data.Write("blobs/ab/README", "not a blob");
        var misplaced = _data.Write("blobs/ab/" + new string('c', 64), "wrong fan-out");
        Time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0, await store.CollectGarbageAsync(TimeSpan.Zero));

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(foreign));
        Assert.True(File.Exists(misplaced));
    }

    private Task<FileContentStore> OpenAsync() =>
        FileContentStore.OpenAsync(_data.Path, Time, NullLogger<FileContentStore>.Instance);
}
