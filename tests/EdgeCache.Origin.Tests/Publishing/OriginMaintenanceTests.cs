using System.Text;
using EdgeCache.Replication.Tests.Changes;
using EdgeCache.Origin.Content;
using EdgeCache.Origin.Hosting;
using EdgeCache.Origin.Publishing;
using EdgeCache.Origin.Tests.Content;
using EdgeCache.Replication.Changes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeCache.Origin.Tests.Publishing;

/// <summary>Publish batches over time and the maintenance round: expiry, compaction, garbage collection.</summary>
public sealed class OriginMaintenanceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 1, 2, 3, TimeSpan.Zero);

    private readonly TestDirectory _data = new();
    private readonly ManualTime _time = new(Start);
    private readonly OriginOptions _options = new() { BatchExpiry = TimeSpan.FromHours(1), MaxOpenBatches = 2 };
    private FileContentStore _store = null!;
    private FileChangeLog _log = null!;
    private PublishBatches _batches = null!;
    private OriginMaintenance _maintenance = null!;

    public async Task InitializeAsync()
    {
        _store = await FileContentStore.OpenAsync(_data.Path, _time, NullLogger<FileContentStore>.Instance);
        _log = await FileChangeLog.OpenAsync(
            new ChangeLogOptions { Directory = _data.Combine("log"), Retain = 3, SegmentBytes = 200 }, _time, NullLogger<FileChangeLog>.Instance);
        _batches = new PublishBatches(_store, Options.Create(_options), _time, NullLogger<PublishBatches>.Instance);
        _maintenance = new OriginMaintenance(_log, _store, _batches, Options.Create(_options), _time, NullLogger<OriginMaintenance>.Instance);
    }

    public async Task DisposeAsync()
    {
        _batches.Dispose();
        _store.Dispose();
        await _log.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task An_open_batch_keeps_its_blobs_past_the_grace_and_loses_them_when_it_expires()
    {
        var uploaded = await _store.WriteBlobAsync(Text("uploaded early"), 100);
        var loose = await _store.WriteBlobAsync(Text("loose"), 100);
        var batch = _batches.Open([Item("/early", uploaded, 14)], [])!;

        _time.Advance(TimeSpan.FromMinutes(30));
        await _maintenance.RunOnceAsync(CancellationToken.None);

        Assert.True(_store.HasBlob(uploaded));
        Assert.False(_store.HasBlob(loose));
        Assert.Same(batch, _batches.Find(batch.Id));

        _time.Advance(TimeSpan.FromMinutes(31));
        Assert.Null(_batches.Find(batch.Id));
        await _maintenance.RunOnceAsync(CancellationToken.None);

        Assert.False(_store.HasBlob(uploaded));
        Assert.Equal(CommitClaim.Closed, batch.TryClaimCommit());
    }

    [Fact]
    public void A_committed_batch_is_remembered_until_it_expires_and_no_longer_counts_as_open()
    {
        var first = _batches.Open([], ["/a"])!;
        var second = _batches.Open([], ["/b"])!;
        Assert.Null(_batches.Open([], ["/c"]));

        Assert.Equal(CommitClaim.Claimed, first.TryClaimCommit());
        Assert.Equal(CommitClaim.Busy, first.TryClaimCommit());
        Assert.False(_batches.TryAbort(first));
        first.EndCommit(new BatchReport(7, 1, 0));

        Assert.NotNull(_batches.Open([], ["/c"]));
        Assert.Equal(CommitClaim.Committed, _batches.Find(first.Id)!.TryClaimCommit());
        Assert.Equal(7, first.Report!.Seq);
        Assert.True(_batches.TryAbort(second));
        Assert.Null(_batches.Find(second.Id));

        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(2, _batches.Expire());
        Assert.Null(_batches.Find(first.Id));
    }

    [Fact]
    public void A_failed_commit_leaves_the_batch_open_for_another()
    {
        var batch = _batches.Open([Item("/x", new string('a', 64), 1)], [])!;

        Assert.Equal(CommitClaim.Claimed, batch.TryClaimCommit());
        batch.EndCommit(null);

        Assert.True(batch.IsOpen);
        Assert.Equal(CommitClaim.Claimed, batch.TryClaimCommit());
    }

    [Fact]
    public async Task Maintenance_compacts_the_log_to_its_retain_count()
    {
        for (var i = 0; i < 20; i++)
        {
            await _log.AppendAsync([new ChangeEntry { Op = ChangeOps.PurgePath, Path = $"/p/{i}" }]);
        }

        await _maintenance.RunOnceAsync(CancellationToken.None);

        Assert.Equal(20, _log.Head);
        Assert.InRange(_log.LowWaterMark, 2, 18);
        var kept = await _log.ReadAsync(0, 100);
        Assert.Equal(_log.LowWaterMark, kept[0].Seq);
        Assert.Equal(20, kept[^1].Seq);
    }

    [Fact]
    public async Task Maintenance_collects_blobs_the_manifest_no_longer_references()
    {
        var v1 = await _store.WriteBlobAsync(Text("v1"), 100);
        var v2 = await _store.WriteBlobAsync(Text("v2"), 100);
        var appended = await _log.AppendAsync([Put("/page", v1, 2)]);
        await _store.ApplyAsync(appended);
        await _store.ApplyAsync(await _log.AppendAsync([Put("/page", v2, 2)]));

        _time.Advance(TimeSpan.FromMinutes(2));
        await _maintenance.RunOnceAsync(CancellationToken.None);

        Assert.False(_store.HasBlob(v1));
        Assert.True(_store.HasBlob(v2));
    }

    private static BatchItem Item(string path, string hash, long size) => new(path, hash, size, "text/plain", [], null);

    private static ChangeEntry Put(string path, string hash, long size)
        => new() { Op = ChangeOps.Put, Path = path, ETag = FileContentStore.ETagFor(hash), Size = size };

    private static MemoryStream Text(string text) => new(Encoding.UTF8.GetBytes(text));
}
