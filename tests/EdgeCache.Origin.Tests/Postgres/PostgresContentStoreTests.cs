using EdgeCache.Origin.Content;
using EdgeCache.Origin.Postgres;
using EdgeCache.Origin.Tests.Content;
using EdgeCache.Replication.Changes;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.Origin.Tests.Postgres;

/// <summary>
/// The content store contract against a real PostgreSQL (every open is another origin, with a cache
/// folder of its own), plus what only a store shared by several origins can get wrong.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresContentStoreTests(PostgresCluster cluster) : ContentStoreContract
{
    private readonly TestDirectory _caches = new();
    private readonly List<PostgresDatabase> _databases = [];
    private string? _connectionString;
    private int _opened;

    protected override async Task<IContentStore> OpenStoreAsync() => await OpenOriginAsync();

    protected override async Task CleanUpAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }

        _caches.Dispose();
    }

    [Fact]
    public async Task What_one_origin_applies_another_sees_after_a_refresh_deletes_included()
    {
        var first = await OpenOriginAsync();
        var second = await OpenOriginAsync();
        var hash = await first.WriteBlobAsync(Text("shared"), 100);
        await first.ApplyAsync([Put(1, "/a", hash), Put(2, "/b", hash)]);
        Assert.Null(second.Get("/a"));

        await second.RefreshAsync();
        Assert.Equal(hash, second.Get("/a")!.Hash);
        Assert.Equal(2, second.AppliedSeq);

        await second.ApplyAsync([new ChangeEntry { Seq = 3, Op = ChangeOps.Delete, Path = "/a" }]);
        await first.RefreshAsync();

        Assert.Null(first.Get("/a"));
        Assert.NotNull(first.Get("/b"));
        Assert.Equal(3, first.AppliedSeq);
    }

    [Fact]
    public async Task An_origin_that_never_saw_a_blob_serves_it_from_the_database_and_keeps_a_copy()
    {
        var writer = await OpenOriginAsync();
        var reader = await OpenOriginAsync();
        var bytes = new byte[300_000];
        new Random(3).NextBytes(bytes);
        var hash = await writer.WriteBlobAsync(new MemoryStream(bytes), bytes.Length);

        Assert.Equal(bytes, await ReadAllAsync(reader, hash));
        Assert.Single(Directory.GetFiles(_caches.Combine("origin-2"), hash, SearchOption.AllDirectories));
        Assert.Equal(bytes, await ReadAllAsync(reader, hash));
    }

    [Fact]
    public async Task A_pin_taken_on_one_origin_keeps_another_origins_collector_off_the_blob()
    {
        var publisher = await OpenOriginAsync();
        var collector = await OpenOriginAsync();
        var hash = await publisher.WriteBlobAsync(Text("batch upload"), 100);
        var lease = publisher.PinBlobs([hash]);
        Time.Advance(TimeSpan.FromHours(2));

        Assert.Equal(0, await collector.CollectGarbageAsync());
        Assert.True(collector.HasBlob(hash));

        lease.Dispose();
        Assert.Equal(1, await collector.CollectGarbageAsync());
        // The publisher still has the body cached, but the blob is gone: it must not count as present.
        Assert.False(publisher.HasBlob(hash));
        Assert.Null(publisher.BlobSize(hash));
    }

    [Fact]
    public async Task A_pin_whose_origin_died_expires()
    {
        var store = await OpenOriginAsync();
        var hash = await store.WriteBlobAsync(Text("orphaned pin"), 100);
        _ = store.PinBlobs([hash]);

        Time.Advance(PostgresContentStore.PinExpiry + TimeSpan.FromMinutes(1));

        Assert.Equal(1, await store.CollectGarbageAsync());
        Assert.False(store.HasBlob(hash));
    }

    private async Task<PostgresContentStore> OpenOriginAsync()
    {
        _connectionString ??= await cluster.NewSchemaAsync("content");
        var database = await PostgresDatabase.OpenAsync(new PostgresOptions { ConnectionString = _connectionString }, TimeProvider.System, NullLoggerFactory.Instance);
        _databases.Add(database);
        var cache = _caches.Combine("origin-" + Interlocked.Increment(ref _opened));
        return await PostgresContentStore.OpenAsync(database, cache, Time, NullLogger<PostgresContentStore>.Instance);
    }
}
