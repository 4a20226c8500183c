using System.Text;
using EdgeCache.Replication.Tests.Changes;
using EdgeCache.Origin.Content;
using EdgeCache.Origin.Publishing;
using EdgeCache.Origin.Tests.Content;
using EdgeCache.Replication.Changes;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.Origin.Tests.Publishing;

/// <summary>The publish pipeline over a real change log and content store on disk.</summary>
public sealed class PublishPipelineTests : IAsyncLifetime
{
    private readonly TestDirectory _data = new();
    private readonly ManualTime _time = new(new DateTimeOffset(2026, 12, 5, 13, 0, 0, TimeSpan.Zero));
    private readonly PublishedHead _published = new();
    private FileContentStore _store = null!;
    private FileChangeLog _log = null!;
    private PublishPipeline _pipeline = null!;

    public async Task InitializeAsync()
    {
        _store = await FileContentStore.OpenAsync(_data.Path, _time, NullLogger<FileContentStore>.Instance);
        _log = await FileChangeLog.OpenAsync(new ChangeLogOptions { Directory = _data.Combine("log") }, _time, NullLogger<FileChangeLog>.Instance);
        _pipeline = new PublishPipeline(_log, _store, _published, new LocalPublishLock(), NullLogger<PublishPipeline>.Instance);
    }

    public async Task DisposeAsync()
    {
        _store.Dispose();
        await _log.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task A_change_whose_manifest_write_failed_is_applied_and_published_before_the_next_one()
    {
        var first = await PutChangeAsync("/first.txt", "first");
        var second = await PutChangeAsync("/second.txt", "second");

        // The store's temp folder replaced by a file: the manifest write after the log append fails for real.
        var temp = _data.Combine("tmp");
        Directory.Delete(temp, recursive: true);
        await File.WriteAllTextAsync(temp, "not a folder");
        await Assert.ThrowsAnyAsync<IOException>(() => _pipeline.CommitAsync([first], CancellationToken.None));
        Assert.Equal(1, _log.Head);
        Assert.Null(_store.Get("/first.txt"));
        Assert.Equal(0, _published.Seq);

        File.Delete(temp);
        Directory.CreateDirectory(temp);
        var committed = await _pipeline.CommitAsync([second], CancellationToken.None);

        Assert.Equal(2, committed[0].Seq);
        Assert.NotNull(_store.Get("/first.txt"));
        Assert.NotNull(_store.Get("/second.txt"));
        Assert.Equal(2, _store.AppliedSeq);
        Assert.Equal(2, _published.Seq);
        using var reopened = await FileContentStore.OpenAsync(_data.Path, _time, NullLogger<FileContentStore>.Instance);
        Assert.Equal(["/first.txt", "/second.txt"], reopened.Items().Select(i => i.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Recovery_replays_what_the_manifest_missed_and_publishes_the_head()
    {
        await _log.AppendAsync([await PutChangeAsync("/logged.txt", "logged")]);

        await _pipeline.SyncAsync(CancellationToken.None);

        Assert.NotNull(_store.Get("/logged.txt"));
        Assert.Equal(1, _published.Seq);
    }

    private async Task<ChangeEntry> PutChangeAsync(string path, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var hash = await _store.WriteBlobAsync(new MemoryStream(bytes), bytes.Length);
        return new ChangeEntry { Op = ChangeOps.Put, Path = path, ETag = FileContentStore.ETagFor(hash), Size = bytes.Length, ContentType = "text/plain" };
    }
}
