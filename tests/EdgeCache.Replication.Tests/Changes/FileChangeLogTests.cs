using System.Buffers.Binary;
using EdgeCache.Replication.Changes;

namespace EdgeCache.Replication.Tests.Changes;

/// <summary>The contract, plus what only files can get wrong: torn tails, segments, the directory.</summary>
public class FileChangeLogTests : ChangeLogContract
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "edgecache-changelog-" + Guid.NewGuid().ToString("N"));

    protected CollectingLogger<FileChangeLog> Logger { get; } = new();

    /// <summary>Small, so the contract's tests roll segments and compaction has whole segments to drop.</summary>
    protected virtual long SegmentBytes => 1024;

    protected virtual int CachedEntries => 4096;

    protected override async Task<IChangeLog> OpenAsync(string name) => await OpenFileAsync(name);

    protected override Task CleanUpAsync()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return Task.CompletedTask;
    }

    private string Dir(string name) => Path.Combine(_root, name);

    private async Task<FileChangeLog> OpenFileAsync(string name = "log", long? retain = null, long? segmentBytes = null)
    {
        var log = await FileChangeLog.OpenAsync(
            new ChangeLogOptions
            {
                Directory = Dir(name),
                Retain = retain ?? Retain,
                SegmentBytes = segmentBytes ?? SegmentBytes,
                CachedEntries = CachedEntries,
            },
            Time, Logger);
        return Track(log);
    }

    private string[] Segments(string name = "log") =>
        [.. Directory.GetFiles(Dir(name), "*.log").Order(StringComparer.Ordinal)];

    private static void Corrupt(string path, Action<FileStream> damage)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        damage(stream);
    }

    /// <summary>Byte offsets of the records in a segment, read from the framing itself.</summary>
    private static List<long> RecordOffsets(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var offsets = new List<long>();
        for (var offset = 0; offset < bytes.Length;)
        {
            offsets.Add(offset);
            offset += 16 + (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
        }

        return offsets;
    }

    private static void FlipByte(string path, long offset) =>
        Corrupt(path, s =>
        {
            s.Position = offset;
            var b = s.ReadByte();
            s.Position = offset;
            s.WriteByte((byte)(b ^ 0x5A));
        });

    private async Task<FileChangeLog> ReopenFileAsync(IChangeLog log, string name = "log", long? retain = null, long? segmentBytes = null)
    {
        await log.DisposeAsync();
        return await OpenFileAsync(name, retain, segmentBytes);
    }

    [Fact]
    public async Task A_missing_directory_is_created_with_a_first_segment()
    {
        var log = await OpenFileAsync("deep/er");

        Assert.True(Directory.Exists(Dir("deep/er")));
        Assert.Equal(0, log.Head);
        Assert.Equal(1, log.LowWaterMark);
        Assert.Equal("00000000000000000001.log", Path.GetFileName(Assert.Single(Segments("deep/er"))));
    }

    [Fact]
    public void Directories_are_synced_through_libc()
    {
        Directory.CreateDirectory(_root);
        DirectorySync.Flush(_root);

        // Failing on a missing directory shows the call reached the OS rather than being skipped.
        if (!OperatingSystem.IsWindows())
        {
            Assert.Throws<IOException>(() => DirectorySync.Flush(Path.Combine(_root, "missing")));
        }
    }

    [Fact]
    public async Task The_crc_is_crc32c()
    {
        Assert.Equal(0xE3069283u, Crc32.Compute("123456789"u8));
        Assert.Equal(Crc32.Compute("123456789"u8), Crc32.Append(Crc32.Compute("1234"u8), "56789"u8));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_record_is_length_crc_batch_end_and_camel_case_json()
    {
        var log = await OpenFileAsync(segmentBytes: 1 << 20);
        await log.AppendAsync([Put("/a"), Put("/b")]);
        await log.DisposeAsync();

        var bytes = File.ReadAllBytes(Segments().Single());
        var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4));
        Assert.Equal(2, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8)));
        var json = System.Text.Encoding.UTF8.GetString(bytes, 16, length);
        Assert.StartsWith("{\"seq\":1,\"at\":\"2026-11-22T01:02:03+00:00\",\"op\":\"put\",\"path\":\"/a\",", json, StringComparison.Ordinal);
        Assert.Equal(ChangeRecord.Checksum(bytes.AsSpan(0, 16), bytes.AsSpan(16, length)), crc);
    }

    [Theory]
    [InlineData("cut")]
    [InlineData("garbage")]
    [InlineData("json")]
    [InlineData("crc")]
    [InlineData("length")]
    public async Task A_damaged_last_record_is_cut_off_and_the_log_continues_gaplessly(string damage)
    {
        var log = await OpenFileAsync(segmentBytes: 1 << 20);
        await AppendSinglesAsync(log, 5);
        await log.DisposeAsync();
        var segment = Segments().Single();
        var last = RecordOffsets(segment)[^1];
        var goodLength = last;
        switch (damage)
        {
            case "cut":
                Corrupt(segment, s => s.SetLength(s.Length - 3));
                break;
            case "garbage":
                // Garbage after intact records: everything complete survives.
                goodLength = new FileInfo(segment).Length;
                Corrupt(segment, s => { s.Position = s.Length; s.Write("\u0007garbage!\0\0\0\0\0\0\0\0\0\0\0"u8); });
                break;
            case "json":
                FlipByte(segment, last + 16 + 3);
                break;
            case "crc":
                FlipByte(segment, last + 5);
                break;
            case "length":
                Corrupt(segment, s => { s.Position = last; s.Write([0xFF, 0xFF, 0xFF, 0x7F]); });
                break;
        }

        log = await OpenFileAsync(segmentBytes: 1 << 20);

        var expectedHead = damage == "garbage" ? 5 : 4;
        Assert.Equal(expectedHead, log.Head);
        Assert.Equal(goodLength, new FileInfo(segment).Length);
        var warning = Assert.Single(Logger.Warnings);
        Assert.Contains($"at byte {goodLength}", warning, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, expectedHead).Select(i => (long)i), (await ReadAllAsync(log)).Select(e => e.Seq));
        Assert.Equal(expectedHead + 1, Assert.Single(await log.AppendAsync([Put("/after")])).Seq);

        log = await ReopenFileAsync(log, segmentBytes: 1 << 20);
        Assert.Equal(expectedHead + 1, log.Head);
        Assert.Equal("/after", (await ReadAllAsync(log))[^1].Path);
        Assert.Single(Logger.Warnings);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(100)]
    [InlineData(-1)]
    public async Task A_torn_batch_is_dropped_whole(int cutBytes)
    {
        var log = await OpenFileAsync(segmentBytes: 1 << 20);
        await log.AppendAsync([Put("/one")]);
        await log.AppendAsync([Put("/two"), Put("/three"), Put("/four")]);
        await log.DisposeAsync();
        var segment = Segments().Single();
        var offsets = RecordOffsets(segment);

        // -1: the batch loses exactly its last record, leaving two whole records of an incomplete batch.
        Corrupt(segment, s => s.SetLength(cutBytes < 0 ? offsets[^1] : s.Length - cutBytes));
        log = await OpenFileAsync(segmentBytes: 1 << 20);

        Assert.Equal(1, log.Head);
        Assert.Equal(offsets[1], new FileInfo(segment).Length);
        Assert.Contains($"at byte {offsets[1]}", Assert.Single(Logger.Warnings), StringComparison.Ordinal);
        Assert.Equal(["/one"], (await ReadAllAsync(log)).Select(e => e.Path));
        Assert.Equal([2L, 3L], (await log.AppendAsync([Put("/2"), Put("/3")])).Select(e => e.Seq));
    }

    [Fact]
    public async Task A_torn_first_batch_leaves_an_empty_log()
    {
        var log = await OpenFileAsync();
        await log.AppendAsync([Put("/a"), Put("/b")]);
        await log.DisposeAsync();
        Corrupt(Segments().Single(), s => s.SetLength(s.Length - 1));

        log = await OpenFileAsync();

        Assert.Equal(0, log.Head);
        Assert.Equal(1, log.LowWaterMark);
        Assert.Equal(1, Assert.Single(await log.AppendAsync([Put("/c")])).Seq);
    }

    [Fact]
    public async Task An_oversized_entry_fails_its_whole_batch_before_anything_is_written()
    {
        var log = await OpenFileAsync();
        await log.AppendAsync([Put("/a")]);
        var length = new FileInfo(Segments().Single()).Length;

        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await log.AppendAsync([Put("/b"), Put("/big") with { ContentType = new string('x', ChangeRecord.MaxPayload) }]));

        Assert.Equal(1, log.Head);
        Assert.Equal(length, new FileInfo(Segments().Single()).Length);
        Assert.Equal(2, Assert.Single(await log.AppendAsync([Put("/c")])).Seq);
    }

    [Fact]
    public async Task Segments_roll_over_and_are_named_by_their_first_seq()
    {
        var log = await OpenFileAsync(segmentBytes: 300);
        await AppendSinglesAsync(log, 20);
        await log.AppendAsync([Put("/x"), Put("/y"), Put("/z")]);

        var segments = Segments();
        Assert.True(segments.Length > 3, $"{segments.Length} segments");
        Assert.Equal("00000000000000000001.log", Path.GetFileName(segments[0]));
        var all = await ReadAllAsync(log);
        foreach (var segment in segments)
        {
            var first = long.Parse(Path.GetFileNameWithoutExtension(segment), System.Globalization.CultureInfo.InvariantCulture);
            var bytes = File.ReadAllBytes(segment);
            var json = System.Text.Encoding.UTF8.GetString(bytes, 16, (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes));
            Assert.StartsWith($"{{\"seq\":{first},", json, StringComparison.Ordinal);
        }

        log = await ReopenFileAsync(log, segmentBytes: 300);
        Assert.Equal(23, log.Head);
        AssertSame(all, await ReadAllAsync(log));
        Assert.Equal(Enumerable.Range(1, 23).Select(i => (long)i), all.Select(e => e.Seq));
        Assert.Empty(Logger.Warnings);
    }

    [Fact]
    public async Task Damage_in_an_older_segment_drops_it_from_there_and_every_later_segment()
    {
        var log = await OpenFileAsync(segmentBytes: 300);
        await AppendSinglesAsync(log, 20);
        await log.DisposeAsync();
        var segments = Segments();
        var second = segments[1];
        var secondFirst = long.Parse(Path.GetFileNameWithoutExtension(second), System.Globalization.CultureInfo.InvariantCulture);
        FlipByte(second, RecordOffsets(second)[1] + 20);

        log = await OpenFileAsync(segmentBytes: 300);

        Assert.Equal(secondFirst, log.Head);
        Assert.Equal(Enumerable.Range(1, (int)secondFirst).Select(i => (long)i), (await ReadAllAsync(log)).Select(e => e.Seq));
        Assert.Equal(segments[..2], Segments());
        Assert.Equal(segments.Length - 2 + 1, Logger.Warnings.Count());
        Assert.Equal(secondFirst + 1, Assert.Single(await log.AppendAsync([Put("/again")])).Seq);
    }

    [Fact]
    public async Task Compaction_deletes_whole_old_segments_only()
    {
        var log = await OpenFileAsync(retain: 5, segmentBytes: 300);
        await AppendSinglesAsync(log, 40);
        var before = Segments();

        var dropped = await log.CompactAsync();

        var after = Segments();
        Assert.Equal(before[^after.Length..], after);
        Assert.Equal(log.LowWaterMark,
            long.Parse(Path.GetFileNameWithoutExtension(after[0]), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(log.LowWaterMark - 1, dropped);
        Assert.InRange(log.Head - log.LowWaterMark + 1, 5, 40);
        Assert.Equal(log.LowWaterMark, (await ReadAllAsync(log))[0].Seq);
    }

    [Fact]
    public async Task Compacting_everything_keeps_the_head_across_a_restart()
    {
        var log = await OpenFileAsync(retain: 0);
        await AppendSinglesAsync(log, 10);

        Assert.Equal(10, await log.CompactAsync());

        Assert.Equal(10, log.Head);
        Assert.Equal(11, log.LowWaterMark);
        Assert.Empty(await log.ReadAsync(0, 100));
        Assert.Equal("00000000000000000011.log", Path.GetFileName(Assert.Single(Segments())));

        log = await ReopenFileAsync(log, retain: 0);
        Assert.Equal(10, log.Head);
        Assert.Equal(11, log.LowWaterMark);
        Assert.Equal(0, await log.CompactAsync());
        Assert.Equal(11, Assert.Single(await log.AppendAsync([Put("/next")])).Seq);
        Assert.Equal(11, (await log.ReadAsync(3, 10)).Single().Seq);
    }

    [Fact]
    public async Task Reads_survive_compaction_running_alongside()
    {
        var log = await OpenFileAsync(retain: 20, segmentBytes: 300);
        await AppendSinglesAsync(log, 50);

        var reader = Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                var entries = await log.ReadAsync(0, 30);
                Assert.NotEmpty(entries);
                Assert.Equal(Enumerable.Range((int)entries[0].Seq, entries.Count).Select(s => (long)s), entries.Select(e => e.Seq));
            }
        });
        for (var i = 0; i < 20; i++)
        {
            await AppendSinglesAsync(log, 5);
            await log.CompactAsync();
        }

        await reader;
        Assert.Equal(150, log.Head);
    }

    [Fact]
    public async Task A_disposed_log_refuses_work_and_fails_waiters()
    {
        var log = await OpenFileAsync();
        var waiting = log.WaitForEntriesAsync(0);

        await log.DisposeAsync();
        await log.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await log.AppendAsync([Put("/a")]));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await log.ReadAsync(0, 1));
    }
}

/// <summary>The same suite with no cache of recent entries, so every read goes to the segment files.</summary>
public sealed class FileChangeLogFromDiskTests : FileChangeLogTests
{
    protected override int CachedEntries => 0;
}
