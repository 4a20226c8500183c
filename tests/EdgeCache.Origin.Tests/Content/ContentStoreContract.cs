using System.Security.Cryptography;
using System.Text;
using EdgeCache.Origin.Content;
using EdgeCache.Replication.Changes;
using EdgeCache.Replication.Tests.Changes;

namespace EdgeCache.Origin.Tests.Content;

/// <summary>
/// What every <see cref="IContentStore"/> must do, whatever it stores in. An implementation's test
/// class opens stores over one storage: every <see cref="OpenStoreAsync"/> after the first reopens
/// what the earlier ones wrote (a restart, or another origin on the same database), on <see cref="Time"/>.
/// </summary>
public abstract class ContentStoreContract : IAsyncLifetime
{
    protected static readonly DateTimeOffset Start = new(2026, 11, 22, 1, 2, 3, TimeSpan.Zero);

    private readonly List<IContentStore> _opened = [];

    protected ManualTime Time { get; } = new(Start);

    public static TheoryData<ChangeEntry> BadChanges => new()
    {
        new ChangeEntry { Seq = 0, Op = ChangeOps.Delete, Path = "/a" },
        new ChangeEntry { Seq = 2, Op = "rename", Path = "/a" },
        new ChangeEntry { Seq = 2, Op = ChangeOps.Put, Path = "/../a", ETag = Quoted(new string('a', 64)), Size = 1 },
        new ChangeEntry { Seq = 2, Op = ChangeOps.Put, Path = null, ETag = Quoted(new string('a', 64)), Size = 1 },
        new ChangeEntry { Seq = 2, Op = ChangeOps.Put, Path = "/a", ETag = "\"../../manifest.json\"", Size = 1 },
        new ChangeEntry { Seq = 2, Op = ChangeOps.Put, Path = "/a", ETag = "W/" + Quoted(new string('a', 64)), Size = 1 },
        new ChangeEntry { Seq = 2, Op = ChangeOps.Put, Path = "/a", ETag = null, Size = 1 },
        new ChangeEntry { Seq = 2, Op = ChangeOps.Put, Path = "/a", ETag = Quoted(new string('a', 64)), Size = null },
        new ChangeEntry { Seq = 2, Op = ChangeOps.Delete, Path = "a" },
    };

    /// <summary>Opens a store over this test's storage, empty the first time.</summary>
    protected abstract Task<IContentStore> OpenStoreAsync();

    /// <summary>Removes what the test stored; runs after every store it opened was disposed.</summary>
    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            await DisposeStoreAsync(store);
        }

        await CleanUpAsync();
    }

    protected async Task<IContentStore> Open()
    {
        var store = await OpenStoreAsync();
        _opened.Add(store);
        return store;
    }

    protected async Task<IContentStore> Reopen(IContentStore store)
    {
        _opened.Remove(store);
        await DisposeStoreAsync(store);
        return await Open();
    }

    protected static MemoryStream Text(string text) => new(Encoding.UTF8.GetBytes(text));

    protected static string Quoted(string hash) => "\"" + hash + "\"";

    protected static ChangeEntry Put(long seq, string path, string hash, long size = 1, DateTimeOffset? at = null) => new()
    {
        Seq = seq,
        At = at ?? Start,
        Op = ChangeOps.Put,
        Path = path,
        ETag = FileContentStore.ETagFor(hash),
        Size = size,
        ContentType = "application/octet-stream",
        Tags = [],
    };

    protected static async Task<byte[]> ReadAllAsync(IContentStore store, string hash)
    {
        var stream = store.OpenBlob(hash);
        Assert.NotNull(stream);
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }

    [Fact]
    public async Task A_blob_is_stored_under_its_sha256_and_reads_back()
    {
        var store = await Open();
        var bytes = Encoding.UTF8.GetBytes("hello, edge");

        var hash = await store.WriteBlobAsync(new MemoryStream(bytes), 1024);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), hash);
        Assert.True(store.HasBlob(hash));
        Assert.Equal(bytes, await ReadAllAsync(store, hash));
    }

    [Fact]
    public async Task A_large_blob_hashes_correctly_across_buffers()
    {
        var store = await Open();
        var bytes = new byte[300_001];
        new Random(42).NextBytes(bytes);

        var hash = await store.WriteBlobAsync(new MemoryStream(bytes), bytes.Length);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), hash);
        Assert.Equal(bytes, await ReadAllAsync(store, hash));
    }

    [Fact]
    public async Task The_empty_blob_is_a_blob()
    {
        var store = await Open();

        var hash = await store.WriteBlobAsync(new MemoryStream(), 0);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([])), hash);
        Assert.Empty(await ReadAllAsync(store, hash));
    }

    [Fact]
    public async Task The_same_content_is_stored_once()
    {
        var store = await Open();

        var first = await store.WriteBlobAsync(Text("same"), 100);
        var second = await store.WriteBlobAsync(Text("same"), 100);

        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Content_over_the_limit_is_refused_and_leaves_nothing()
    {
        var store = await Open();

        var error = await Assert.ThrowsAsync<ContentTooLargeException>(() => store.WriteBlobAsync(new MemoryStream(new byte[101]), 100));

        Assert.Equal(100, error.Limit);
        Assert.False(store.HasBlob(Convert.ToHexStringLower(SHA256.HashData(new byte[101]))));
    }

    [Fact]
    public async Task Content_exactly_at_the_limit_is_accepted()
    {
        var store = await Open();

        var hash = await store.WriteBlobAsync(new MemoryStream(new byte[100]), 100);

        Assert.True(store.HasBlob(hash));
    }

    [Fact]
    public async Task A_cancelled_write_leaves_no_temp_file()
    {
        var store = await Open();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.WriteBlobAsync(Text("never"), 100, cancellationToken: cancelled.Token));

    }

    [Fact]
    public async Task Concurrent_writers_of_the_same_content_all_get_the_one_blob()
    {
        var store = await Open();
        var bytes = new byte[200_000];
        new Random(7).NextBytes(bytes);

        var hashes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => store.WriteBlobAsync(new MemoryStream(bytes), bytes.Length))));

        Assert.Single(hashes.Distinct());
        Assert.Equal(bytes, await ReadAllAsync(store, hashes[0]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("../../../../etc/passwd")]
    [InlineData("..")]
    [InlineData("ab/../../manifest.json")]
    [InlineData("2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824")]
    [InlineData("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982g")]
    [InlineData("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b98240")]
    [InlineData("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982")]
    [InlineData("/2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982")]
    public async Task Malformed_hashes_are_rejected_without_touching_the_disk(string hash)
    {
        var store = await Open();

        Assert.False(FileContentStore.IsValidHash(hash));
        Assert.False(store.HasBlob(hash));
        Assert.Null(store.OpenBlob(hash));
    }

    [Fact]
    public async Task A_missing_blob_opens_as_null()
    {
        var store = await Open();

        Assert.Null(store.OpenBlob(new string('a', 64)));
        Assert.False(store.HasBlob(new string('a', 64)));
    }

    [Fact]
    public async Task A_put_adds_an_item_with_the_change_metadata()
    {
        var store = await Open();
        var hash = await store.WriteBlobAsync(Text("<h1>hi</h1>"), 100);
        var at = Start.AddSeconds(5);

        await store.ApplyAsync([Put(1, "/index.html", hash, 11, at) with { ContentType = "text/html", Tags = ["home", "brand"], CacheControl = "max-age=60" }]);

        var item = Assert.IsType<ContentItem>(store.Get("/index.html"));
        Assert.Equal("/index.html", item.Path);
        Assert.Equal(hash, item.Hash);
        Assert.Equal(11, item.Size);
        Assert.Equal("text/html", item.ContentType);
        Assert.Equal(["home", "brand"], item.Tags);
        Assert.Equal("max-age=60", item.CacheControl);
        Assert.Equal(at, item.LastModified);
        Assert.Equal(1, item.Seq);
        Assert.Equal(1, store.AppliedSeq);
        Assert.Single(store.Items());
    }

    [Fact]
    public async Task A_put_replaces_and_a_delete_removes()
    {
        var store = await Open();
        var v1 = await store.WriteBlobAsync(Text("v1"), 100);
        var v2 = await store.WriteBlobAsync(Text("v2"), 100);

        await store.ApplyAsync([Put(1, "/a", v1), Put(2, "/b", v1), Put(3, "/a", v2)]);
        Assert.Equal(v2, store.Get("/a")!.Hash);
        Assert.Equal(3, store.Get("/a")!.Seq);

        await store.ApplyAsync([new ChangeEntry { Seq = 4, Op = ChangeOps.Delete, Path = "/a" }]);

        Assert.Null(store.Get("/a"));
        Assert.NotNull(store.Get("/b"));
        Assert.Equal(4, store.AppliedSeq);
    }

    [Fact]
    public async Task Purges_leave_the_manifest_but_advance_the_applied_seq()
    {
        var store = await Open();
        var hash = await store.WriteBlobAsync(Text("x"), 100);
        await store.ApplyAsync([Put(1, "/x", hash)]);

        await store.ApplyAsync(
        [
            new ChangeEntry { Seq = 2, Op = ChangeOps.PurgePath, Path = "/x" },
            new ChangeEntry { Seq = 3, Op = ChangeOps.PurgePrefix, Path = "/" },
            new ChangeEntry { Seq = 4, Op = ChangeOps.PurgeTag, Tags = ["brand"] },
            new ChangeEntry { Seq = 5, Op = ChangeOps.PurgeAll, Soft = true },
        ]);

        Assert.Equal(5, store.AppliedSeq);
        Assert.Equal(hash, store.Get("/x")!.Hash);
        Assert.Equal(1, store.Get("/x")!.Seq);
    }

    [Fact]
    public async Task Already_applied_seqs_are_skipped()
    {
        var store = await Open();
        var v1 = await store.WriteBlobAsync(Text("v1"), 100);
        var v2 = await store.WriteBlobAsync(Text("v2"), 100);
        await store.ApplyAsync([Put(1, "/a", v1), Put(2, "/b", v1)]);

        // A replay overlapping what is applied: 1 and 2 must not undo anything, 3 is new.
        await store.ApplyAsync([Put(1, "/a", v2), new ChangeEntry { Seq = 2, Op = ChangeOps.Delete, Path = "/b" }, Put(3, "/c", v2)]);

        Assert.Equal(v1, store.Get("/a")!.Hash);
        Assert.NotNull(store.Get("/b"));
        Assert.Equal(v2, store.Get("/c")!.Hash);
        Assert.Equal(3, store.AppliedSeq);
    }

    [Theory]
    [MemberData(nameof(BadChanges))]
    public async Task A_bad_entry_fails_the_whole_batch_and_changes_nothing(ChangeEntry bad)
    {
        var store = await Open();
        var hash = await store.WriteBlobAsync(Text("v1"), 100);
        await store.ApplyAsync([Put(1, "/keep", hash)]);

        await Assert.ThrowsAsync<ArgumentException>(() => store.ApplyAsync([Put(2, "/new", hash) with { Seq = 3 }, bad with { Seq = bad.Seq == 0 ? 0 : 4 }]));

        Assert.Equal(1, store.AppliedSeq);
        Assert.Null(store.Get("/new"));
        Assert.Single(store.Items());
    }

    [Fact]
    public async Task Seqs_out_of_order_in_a_batch_are_refused()
    {
        var store = await Open();
        var hash = await store.WriteBlobAsync(Text("v1"), 100);

        await Assert.ThrowsAsync<ArgumentException>(() => store.ApplyAsync([Put(2, "/a", hash), Put(1, "/b", hash)]));
        await Assert.ThrowsAsync<ArgumentException>(() => store.ApplyAsync([Put(2, "/a", hash), Put(2, "/b", hash)]));

        Assert.Equal(0, store.AppliedSeq);
    }

    [Fact]
    public async Task Reopening_keeps_the_items_the_applied_seq_and_the_blobs()
    {
        var store = await Open();
        var hash = await store.WriteBlobAsync(Text("persist me"), 100);
        await store.ApplyAsync([Put(1, "/p", hash, 10, Start.AddHours(1)) with { ContentType = "text/plain", Tags = ["t"], CacheControl = "no-cache" }]);
        await store.ApplyAsync([new ChangeEntry { Seq = 2, Op = ChangeOps.PurgeAll }]);

        var reopened = await Reopen(store);

        Assert.Equal(2, reopened.AppliedSeq);
        var item = reopened.Get("/p");
        Assert.Equal(new ContentItem("/p", hash, 10, "text/plain", ["t"], "no-cache", Start.AddHours(1), 1) with { Tags = item!.Tags }, item);
        Assert.Equal(["t"], item.Tags);
        Assert.Equal("persist me", Encoding.UTF8.GetString(await ReadAllAsync(reopened, hash)));
    }

    [Fact]
    public async Task Readers_see_a_consistent_snapshot_while_changes_are_applied()
    {
        var store = await Open();
        var hash = await store.WriteBlobAsync(Text("x"), 100);
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            var reads = 0;
            while (!stop.IsCancellationRequested)
            {
                // Items() is one snapshot: every item in it has a seq no newer than a later AppliedSeq.
                var items = store.Items();
                var applied = store.AppliedSeq;
                Assert.All(items, i => Assert.True(i.Seq <= applied));
                reads++;
            }

            return reads;
        });

        for (var seq = 1; seq <= 50; seq++)
        {
            await store.ApplyAsync([Put(seq, "/p" + (seq % 7), hash)]);
        }

        await stop.CancelAsync();
        Assert.True(await reader > 0);
        Assert.Equal(7, store.Items().Count);
    }

    [Fact]
    public async Task Concurrent_appliers_are_serialised()
    {
        var store = await Open();
        var hash = await store.WriteBlobAsync(Text("x"), 100);

        await Task.WhenAll(Enumerable.Range(1, 40).Select(seq => Task.Run(() => store.ApplyAsync([Put(seq, "/p" + seq, hash)]))));

        // Whatever order they ran in, the applied seq is the highest and nothing applied was lost or torn.
        Assert.Equal(40, store.AppliedSeq);
        var reopened = await Open();
        Assert.Equal(40, reopened.AppliedSeq);
        Assert.Equal(store.Items().Count, reopened.Items().Count);
    }

    [Fact]
    public async Task Garbage_collection_deletes_unreferenced_old_blobs_only()
    {
        var store = await Open();
        var kept = await store.WriteBlobAsync(Text("kept"), 100);
        var dropped = await store.WriteBlobAsync(Text("dropped"), 100);
        var replaced = await store.WriteBlobAsync(Text("replaced"), 100);
        await store.ApplyAsync([Put(1, "/kept", kept), Put(2, "/dropped", dropped), Put(3, "/r", replaced)]);
        await store.ApplyAsync([new ChangeEntry { Seq = 4, Op = ChangeOps.Delete, Path = "/dropped" }, Put(5, "/r", kept)]);
        Time.Advance(TimeSpan.FromMinutes(2));

        var deleted = await store.CollectGarbageAsync();

        Assert.Equal(2, deleted);
        Assert.True(store.HasBlob(kept));
        Assert.False(store.HasBlob(dropped));
        Assert.False(store.HasBlob(replaced));
        Assert.Equal(0, await store.CollectGarbageAsync());
    }

    [Fact]
    public async Task Garbage_collection_spares_a_young_blob_not_yet_applied()
    {
        var store = await Open();
        var pending = await store.WriteBlobAsync(Text("being published"), 100);
        Time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(0, await store.CollectGarbageAsync());
        Assert.True(store.HasBlob(pending));

        Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, await store.CollectGarbageAsync());
        Assert.False(store.HasBlob(pending));
    }

    [Fact]
    public async Task Rewriting_an_old_unreferenced_blob_makes_it_young_again()
    {
        var store = await Open();
        var hash = await store.WriteBlobAsync(Text("again"), 100);
        Time.Advance(TimeSpan.FromHours(1));

        // A new publish of the same bytes deduplicates onto the old blob; the collector must not take it.
        Assert.Equal(hash, await store.WriteBlobAsync(Text("again"), 100));

        Assert.Equal(0, await store.CollectGarbageAsync());
        Assert.True(store.HasBlob(hash));
    }

    [Fact]
    public async Task A_pinned_blob_survives_collection_until_its_lease_ends()
    {
        var store = await Open();
        var pinnedHash = await store.WriteBlobAsync(Text("batch upload"), 100);
        var loose = await store.WriteBlobAsync(Text("loose"), 100);
        var lease = store.PinBlobs([pinnedHash, pinnedHash]);
        var second = store.PinBlobs([pinnedHash]);
        Time.Advance(TimeSpan.FromHours(2));

        Assert.Equal(1, await store.CollectGarbageAsync());
        Assert.True(store.HasBlob(pinnedHash));
        Assert.False(store.HasBlob(loose));

        lease.Dispose();
        lease.Dispose();
        Assert.Equal(0, await store.CollectGarbageAsync());
        Assert.True(store.HasBlob(pinnedHash));

        second.Dispose();
        Assert.Equal(1, await store.CollectGarbageAsync());
        Assert.False(store.HasBlob(pinnedHash));
    }

    [Fact]
    public async Task A_blob_sent_for_another_hash_is_not_stored()
    {
        var store = await Open();
        var claimed = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("what was announced")));

        var error = await Assert.ThrowsAsync<BlobHashMismatchException>(
            () => store.WriteBlobAsync(Text("something else"), 100, claimed));

        Assert.Equal(claimed, error.Expected);
        Assert.False(store.HasBlob(claimed));
        Assert.False(store.HasBlob(error.Actual));
        Assert.Equal(claimed, await store.WriteBlobAsync(Text("what was announced"), 100, claimed));
    }

    [Fact]
    public async Task Blob_size_is_the_stored_length_or_null()
    {
        var store = await Open();
        var hash = await store.WriteBlobAsync(Text("twelve bytes"), 100);

        Assert.Equal(12, store.BlobSize(hash));
        Assert.Null(store.BlobSize(new string('0', 64)));
        Assert.Null(store.BlobSize("../../etc/passwd"));
    }

    private static async Task DisposeStoreAsync(IContentStore store)
    {
        switch (store)
        {
            case IAsyncDisposable asynchronous:
                await asynchronous.DisposeAsync();
                break;
            case IDisposable synchronous:
                synchronous.Dispose();
                break;
        }
    }
}
