using System.Buffers;
using System.IO.Pipelines;
using EdgeCache.Edge.Caching;

namespace EdgeCache.Edge.Tests.Caching;

/// <summary>How a stored body reaches the response: whole, and flushed only as often as its size needs.</summary>
public sealed class StoredBodyWriteTests
{
    private const int Chunk = CacheFill.ChunkSize;

    [Theory]
    [InlineData(1024)]
    [InlineData((6 * Chunk) + 100)]
    [InlineData(StoredBody.UnflushedLimit)]
    public async Task A_body_up_to_the_unflushed_limit_is_written_whole_without_a_flush(int length)
    {
        var content = TestBytes.Pattern(length);
        var body = StoredBody.Adopt(Chunks(content), length);
        var writer = new CountingWriter();

        var write = body.WriteToAsync(writer, 0, CancellationToken.None);

        Assert.True(write.IsCompletedSuccessfully, "a small body is copied synchronously");
        await write;
        Assert.Equal(0, writer.Flushes);
        Assert.Equal(content, writer.Written.ToArray());
    }

    [Fact]
    public async Task A_large_body_is_flushed_every_unflushed_limit_and_at_its_end()
    {
        var length = (2 * StoredBody.UnflushedLimit) + Chunk + 5;
        var content = TestBytes.Pattern(length);
        var body = StoredBody.Adopt(Chunks(content), length);
        var writer = new CountingWriter();

        await body.WriteToAsync(writer, 0, CancellationToken.None);

        Assert.Equal(3, writer.Flushes);
        Assert.Equal(content, writer.Written.ToArray());
    }

    [Fact]
    public async Task A_large_body_stops_when_the_client_has_gone()
    {
        var length = 4 * StoredBody.UnflushedLimit;
        var body = StoredBody.Adopt(Chunks(TestBytes.Pattern(length)), length);
        var writer = new CountingWriter { CompleteAfterFlushes = 1 };

        await body.WriteToAsync(writer, 0, CancellationToken.None);

        Assert.Equal(1, writer.Flushes);
        Assert.Equal(StoredBody.UnflushedLimit, writer.Written.Length);
    }

    [Theory]
    [InlineData(100 * 1024, 0, 25)]
    [InlineData(100 * 1024, SegmentedCopy.TlsRecord, 7)]
    [InlineData(StoredBody.UnflushedLimit + 1000, SegmentedCopy.TlsRecord, 17)]
    public async Task Over_TLS_a_body_goes_out_in_record_sized_segments(int length, int segment, int segments)
    {
        // A pipe of 4 KiB blocks, as Kestrel's: every segment of its output becomes one TLS record.
        var content = TestBytes.Pattern(length);
        var body = StoredBody.Adopt(Chunks(content), length);
        var pipe = new Pipe(new PipeOptions(minimumSegmentSize: 4096, pauseWriterThreshold: 0));

        await body.WriteToAsync(pipe.Writer, segment, CancellationToken.None);
        await pipe.Writer.CompleteAsync();
        var read = await pipe.Reader.ReadAtLeastAsync(length);

        var sizes = new List<int>();
        foreach (var memory in read.Buffer)
        {
            sizes.Add(memory.Length);
        }

        Assert.Equal(content, read.Buffer.ToArray());
        Assert.Equal(segments, sizes.Count);
        Assert.All(sizes, size => Assert.InRange(size, 1, segment == 0 ? 4096 : segment));
        pipe.Reader.AdvanceTo(read.Buffer.End);
    }

    private static List<byte[]> Chunks(byte[] content)
    {
        var chunks = new List<byte[]>();
        for (var offset = 0; offset < content.Length; offset += Chunk)
        {
            var chunk = ArrayPool<byte>.Shared.Rent(Chunk);
            content.AsSpan(offset, Math.Min(Chunk, content.Length - offset)).CopyTo(chunk);
            chunks.Add(chunk);
        }

        return chunks;
    }

    /// <summary>Keeps what is written and counts flushes; can report the reader gone after some flushes.</summary>
    private sealed class CountingWriter : PipeWriter
    {
        private readonly ArrayBufferWriter<byte> _buffer = new();

        public int Flushes { get; private set; }

        public int CompleteAfterFlushes { get; init; } = int.MaxValue;

        public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

        public override void Advance(int bytes) => _buffer.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => _buffer.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _buffer.GetSpan(sizeHint);

        public override void CancelPendingFlush()
        {
        }

        public override void Complete(Exception? exception = null)
        {
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            Flushes++;
            return ValueTask.FromResult(new FlushResult(isCanceled: false, isCompleted: Flushes >= CompleteAfterFlushes));
        }
    }
}
