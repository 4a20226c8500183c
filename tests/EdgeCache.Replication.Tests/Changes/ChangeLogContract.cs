using System.Text.Json;
using EdgeCache.Replication.Changes;
using EdgeCache.Replication.Feed;

namespace EdgeCache.Replication.Tests.Changes;

/// <summary>
/// What every <see cref="IChangeLog"/> must do, whatever it stores in. An implementation's test
/// class opens logs by name: the same name opens the same stored log again (a restart), with
/// <see cref="Retain"/> as its retention and <see cref="Time"/> as its clock.
/// </summary>
public abstract class ChangeLogContract : IAsyncLifetime
{
    /// <summary>The retention implementations must open the logs of this suite with.</summary>
    protected const long Retain = 10;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly List<IChangeLog> _opened = [];

    protected ManualTime Time { get; } = new(new DateTimeOffset(2026, 11, 22, 1, 2, 3, TimeSpan.Zero));

    /// <summary>Opens (or, after a dispose, reopens) the log called <paramref name="name"/>.</summary>
    protected abstract Task<IChangeLog> OpenAsync(string name);

    /// <summary>Removes what the suite stored; runs after every log it opened was disposed.</summary>
    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var log in _opened)
        {
            await log.DisposeAsync();
        }

        await CleanUpAsync();
    }

    protected async Task<IChangeLog> Open(string name = "log") => Track(await OpenAsync(name));

    /// <summary>Has <paramref name="log"/> disposed when the test ends, before <see cref="CleanUpAsync"/>.</summary>
    protected T Track<T>(T log) where T : IChangeLog
    {
        _opened.Add(log);
        return log;
    }

    protected async Task<IChangeLog> Reopen(IChangeLog log, string name = "log")
    {
        await log.DisposeAsync();
        return await Open(name);
    }

    protected static ChangeEntry Put(string path) =>
        new() { Op = ChangeOps.Put, Path = path, ETag = "\"" + path.Length + "\"", Size = 1234, ContentType = "image/png", Tags = ["brand"] };

    /// <summary>Equal entries: records compare their tag lists by reference, so compare the JSON the feed would send.</summary>
    protected static void AssertSame(IEnumerable<ChangeEntry> expected, IEnumerable<ChangeEntry> actual) =>
        Assert.Equal(expected.Select(Json), actual.Select(Json));

    private static string Json(ChangeEntry entry) => JsonSerializer.Serialize(entry, ReplicationJsonContext.Default.ChangeEntry);

    protected static async Task AppendSinglesAsync(IChangeLog log, int count, string prefix = "/a/")
    {
        for (var i = 0; i < count; i++)
        {
            await log.AppendAsync([Put(prefix + i)]);
        }
    }

    protected static async Task<List<ChangeEntry>> ReadAllAsync(IChangeLog log, long after = 0, int page = 100)
    {
        var all = new List<ChangeEntry>();
        while (true)
        {
            var entries = await log.ReadAsync(after, page);
            if (entries.Count == 0)
            {
                return all;
            }

            all.AddRange(entries);
            after = entries[^1].Seq;
        }
    }

    [Fact]
    public async Task A_new_log_is_empty()
    {
        var log = await Open();

        Assert.Equal(0, log.Head);
        Assert.Equal(1, log.LowWaterMark);
        Assert.Empty(await log.ReadAsync(0, 10));
    }

    [Fact]
    public async Task Seqs_are_gapless_from_one_and_the_log_assigns_seq_and_time()
    {
        var log = await Open();

        var first = await log.AppendAsync([Put("/a") with { Seq = 77 }]);
        Time.Advance(TimeSpan.FromSeconds(5));
        var second = await log.AppendAsync([Put("/b")]);

        Assert.Equal(1, Assert.Single(first).Seq);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 1, 2, 3, TimeSpan.Zero), first[0].At);
        Assert.Equal(2, Assert.Single(second).Seq);
        Assert.Equal(Time.GetUtcNow(), second[0].At);
        Assert.Equal(2, log.Head);
        Assert.Equal(1, log.LowWaterMark);
    }

    [Fact]
    public async Task A_batch_gets_consecutive_seqs_and_keeps_its_content()
    {
        var log = await Open();
        await log.AppendAsync([Put("/first")]);

        var batch = await log.AppendAsync([
            Put("/x"),
            new ChangeEntry { Op = ChangeOps.PurgeTag, Tags = ["brand"], Soft = true },
            new ChangeEntry { Op = ChangeOps.Delete, Path = "/y" },
        ]);

        Assert.Equal([2L, 3L, 4L], batch.Select(e => e.Seq));
        Assert.All(batch, e => Assert.Equal(Time.GetUtcNow(), e.At));
        var read = await log.ReadAsync(1, 10);
        AssertSame(batch, read);
        Assert.Equal(["brand"], read[1].Tags!);
        Assert.True(read[1].Soft);
    }

    [Fact]
    public async Task An_empty_append_changes_nothing()
    {
        var log = await Open();

        Assert.Empty(await log.AppendAsync([]));
        Assert.Equal(0, log.Head);
    }

    [Fact]
    public async Task A_batch_with_an_invalid_entry_appends_nothing()
    {
        var log = await Open();
        await log.AppendAsync([Put("/a")]);

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await log.AppendAsync([Put("/b"), null!]));

        Assert.Equal(1, log.Head);
        Assert.Equal(2, Assert.Single(await log.AppendAsync([Put("/c")])).Seq);
        Assert.Equal(["/a", "/c"], (await ReadAllAsync(log)).Select(e => e.Path));
    }

    [Fact]
    public async Task Reads_page_by_after_and_limit()
    {
        var log = await Open();
        await AppendSinglesAsync(log, 25);

        Assert.Equal([1L, 2L, 3L], (await log.ReadAsync(0, 3)).Select(e => e.Seq));
        Assert.Equal([11L, 12L], (await log.ReadAsync(10, 2)).Select(e => e.Seq));
        Assert.Equal([24L, 25L], (await log.ReadAsync(23, 100)).Select(e => e.Seq));
        Assert.Empty(await log.ReadAsync(25, 100));
        Assert.Empty(await log.ReadAsync(1000, 100));
        Assert.Empty(await log.ReadAsync(0, 0));
        Assert.Empty(await log.ReadAsync(long.MaxValue, 10));
        Assert.Equal([1L, 2L], (await log.ReadAsync(-5, 2)).Select(e => e.Seq));
        Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), (await ReadAllAsync(log, page: 7)).Select(e => e.Seq));
        Assert.Equal("/a/9", (await log.ReadAsync(9, 1))[0].Path);
    }

    [Fact]
    public async Task A_reopened_log_keeps_every_entry_and_continues_the_seqs()
    {
        var log = await Open();
        var written = new List<ChangeEntry>();
        written.AddRange(await log.AppendAsync([Put("/a"), Put("/b")]));
        written.AddRange(await log.AppendAsync([Put("/c")]));

        log = await Reopen(log);

        Assert.Equal(3, log.Head);
        Assert.Equal(1, log.LowWaterMark);
        AssertSame(written, await ReadAllAsync(log));
        Assert.Equal(4, Assert.Single(await log.AppendAsync([Put("/d")])).Seq);
    }

    [Fact]
    public async Task Concurrent_appenders_get_distinct_gapless_seqs()
    {
        const int appenders = 8;
        const int appends = 200;
        var log = await Open();

        var results = await Task.WhenAll(Enumerable.Range(0, appenders).Select(a => Task.Run(async () =>
        {
            var seqs = new List<long>();
            for (var i = 0; i < appends; i++)
            {
                seqs.Add(Assert.Single(await log.AppendAsync([Put($"/w{a}/{i}")])).Seq);
            }

            return seqs;
        })));

        var expected = Enumerable.Range(1, appenders * appends).Select(i => (long)i).ToList();
        Assert.Equal(expected, results.SelectMany(s => s).Order());
        Assert.All(results, seqs => Assert.Equal(seqs.Order(), seqs));
        Assert.Equal(appenders * appends, log.Head);
        var all = await ReadAllAsync(log, page: 250);
        Assert.Equal(expected, all.Select(e => e.Seq));
        Assert.Equal(appenders * appends, all.Select(e => e.Path).Distinct().Count());

        log = await Reopen(log);
        Assert.Equal(appenders * appends, log.Head);
        AssertSame(all, await ReadAllAsync(log, page: 250));
    }

    [Fact]
    public async Task Waiting_completes_at_once_when_the_head_is_already_past()
    {
        var log = await Open();
        await log.AppendAsync([Put("/a")]);

        await log.WaitForEntriesAsync(0).WaitAsync(Patience);
    }

    [Fact]
    public async Task Waiting_completes_when_an_append_passes_the_seq()
    {
        var log = await Open();
        await log.AppendAsync([Put("/a")]);
        var waiting = log.WaitForEntriesAsync(1);
        Assert.False(waiting.IsCompleted);

        await log.AppendAsync([Put("/b")]);

        await waiting.WaitAsync(Patience);
    }

    [Fact]
    public async Task Waiting_honours_cancellation()
    {
        var log = await Open();
        using var cancellation = new CancellationTokenSource();
        var waiting = log.WaitForEntriesAsync(0, cancellation.Token);
        Assert.False(waiting.IsCompleted);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Patience));
        Assert.Equal(0, log.Head);
    }

    [Fact]
    public async Task Compaction_keeps_the_newest_entries_and_raises_the_low_water_mark_durably()
    {
        var log = await Open();
        await AppendSinglesAsync(log, 100);

        var dropped = await log.CompactAsync();

        Assert.True(log.LowWaterMark > 1, $"low-water mark {log.LowWaterMark}");
        Assert.True(log.LowWaterMark <= log.Head - Retain + 1, $"low-water mark {log.LowWaterMark} drops some of the newest {Retain}");
        Assert.Equal(log.LowWaterMark - 1, dropped);
        Assert.Equal(100, log.Head);
        var left = await ReadAllAsync(log);
        Assert.Equal(Enumerable.Range((int)log.LowWaterMark, 101 - (int)log.LowWaterMark).Select(i => (long)i), left.Select(e => e.Seq));

        // Asking from before the low-water mark yields what is left; the caller sees the reset by the mark.
        Assert.Equal(log.LowWaterMark, (await log.ReadAsync(0, 5))[0].Seq);
        var lowWaterMark = log.LowWaterMark;
        Assert.Equal(0, await log.CompactAsync());

        log = await Reopen(log);
        Assert.Equal(100, log.Head);
        Assert.Equal(lowWaterMark, log.LowWaterMark);
        AssertSame(left, await ReadAllAsync(log));
        Assert.Equal(101, Assert.Single(await log.AppendAsync([Put("/next")])).Seq);
    }

    [Fact]
    public async Task Compaction_of_a_short_log_drops_nothing()
    {
        var log = await Open();
        await AppendSinglesAsync(log, (int)Retain);

        Assert.Equal(0, await log.CompactAsync());
        Assert.Equal(1, log.LowWaterMark);
        Assert.Equal((int)Retain, (await ReadAllAsync(log)).Count);
    }
}
