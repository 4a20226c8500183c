using System.Buffers;
using EdgeCache.Edge.Caching;

namespace EdgeCache.Edge.Tests.Caching;

public sealed class StoredBodyRangeTests
{
    private const int Chunk = CacheFill.ChunkSize;
    private const int Length = (2 * Chunk) + 100;

    private static readonly byte[] Content = TestBytes.Pattern(Length);

    /// <summary>Splits <paramref name="content"/> into rented arrays of the given sizes, as the pool hands them out.</summary>
    private static List<byte[]> Rent(byte[] content, params int[] sizes)
    {
        var chunks = new List<byte[]>();
        var offset = 0;
        foreach (var size in sizes)
        {
            var chunk = ArrayPool<byte>.Shared.Rent(size);
            Assert.Equal(size, chunk.Length);

            // Past the content the rented array keeps junk, which a slice must never reach.
            chunk.AsSpan().Fill(0xEE);
            var count = Math.Min(size, content.Length - offset);
            content.AsSpan(offset, count).CopyTo(chunk);
            offset += count;
            chunks.Add(chunk);
        }

        Assert.Equal(content.Length, offset);
        return chunks;
    }

    private static async Task<byte[]> SliceAsync(StoredBody body, long start, long length)
    {
        using var destination = new MemoryStream();
        await body.WriteRangeAsync(destination, start, length, CancellationToken.None);
        return destination.ToArray();
    }

    public static TheoryData<int, int> Slices => new()
    {
        { 0, Length },
        { 0, 1 },
        { 0, Chunk },
        { Chunk - 1, 2 },
        { Chunk - 1, 1 },
        { Chunk, 1 },
        { Chunk, Chunk },
        { 100, Length - 200 },
        { Chunk - 10, Chunk + 20 },
        { 2 * Chunk, 100 },
        { (2 * Chunk) - 1, 101 },
        { Length - 1, 1 },
        { 5, 0 },
        { Length, 0 },
    };

    [Theory]
    [MemberData(nameof(Slices))]
    public async Task A_slice_of_pooled_chunks_crosses_chunk_boundaries(int start, int length)
    {
        var body = StoredBody.Adopt(Rent(Content, Chunk, Chunk, Chunk), Length);

        var slice = await SliceAsync(body, start, length);
        body.Release();

        Assert.Equal(Content.AsSpan(start, length).ToArray(), slice);
    }

    [Theory]
    [MemberData(nameof(Slices))]
    public async Task A_slice_of_a_copied_body_reads_its_single_array(int start, int length)
    {
        var body = StoredBody.CopyOf(Rent(Content, Chunk, Chunk, Chunk), Length);

        var slice = await SliceAsync(body, start, length);

        Assert.Equal(Content.AsSpan(start, length).ToArray(), slice);
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(15, 2)]
    [InlineData(16, 1)]
    [InlineData(16, 16384)]
    [InlineData(10, 16390)]
    [InlineData(16399, 4097)]
    public async Task A_slice_walks_chunks_by_their_actual_lengths(int start, int length)
    {
        // Uneven pool-sized arrays: nothing may assume every chunk is ChunkSize long.
        var content = TestBytes.Pattern(16 + Chunk + 4096);
        var body = StoredBody.Adopt(Rent(content, 16, Chunk, 4096), content.Length);

        var slice = await SliceAsync(body, start, length);
        body.Release();

        Assert.Equal(content.AsSpan(start, length).ToArray(), slice);
    }

    [Theory]
    [InlineData(-1, 1)]
    [InlineData(0, -1)]
    [InlineData(Length + 1, 0)]
    [InlineData(Length, 1)]
    [InlineData(1, Length)]
    [InlineData(0, long.MaxValue)]
    public async Task A_slice_outside_the_body_is_a_caller_bug(long start, long length)
    {
        var body = StoredBody.CopyOf([Content], Length);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => SliceAsync(body, start, length));
    }
}
