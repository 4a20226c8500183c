using System.IO.Pipelines;
using EdgeCache.Edge.Caching;

namespace EdgeCache.Edge.Tests.Caching;

public sealed class CacheFillTests
{
    private const int Chunk = CacheFill.ChunkSize;

    private static FillHead Head(bool stored = true, bool shareable = true) => new(
        200,
        [],
        [],
        [],
        VaryKey.Empty,
        null,
        DateTimeOffset.UtcNow,
        TimeSpan.Zero,
        ReusePolicy.FreshFor(TimeSpan.FromMinutes(1)),
        [],
        shareable ? null : "private",
        stored ? null : "too-large");

    private static CacheFill NewFill(long window = 1L << 20, long maxKept = 32L << 20) => new("https://example.test/x", window, maxKept);

    private static async Task<byte[]> ReadToEndAsync(CacheFill.Reader reader)
    {
        using var all = new MemoryStream();
        while (true)
        {
            var memory = await reader.ReadAsync(CancellationToken.None);
            if (memory.IsEmpty)
            {
                return all.ToArray();
            }

            all.Write(memory.Span);
            reader.Advance(memory.Length);
        }
    }

    private static async Task<byte[]> ContentOfAsync(StoredBody body)
    {
        using var stream = new MemoryStream();
        var writer = PipeWriter.Create(stream);
        await body.WriteToAsync(writer, 0, CancellationToken.None);
        await writer.CompleteAsync();
        return stream.ToArray();
    }

    [Fact]
    public async Task A_reader_gets_all_appended_bytes_in_order_then_empty_at_Complete()
    {
        var fill = NewFill();
        fill.SetHead(Head());
        var reader = fill.TryJoin();
        Assert.NotNull(reader);
        var data = TestBytes.Pattern((2 * Chunk) + 1234);

        fill.Append(data.AsSpan(0, 100));
        fill.Append(data.AsSpan(100, Chunk));
        fill.Append(data.AsSpan(100 + Chunk));
        fill.Complete();

        Assert.Equal(data, await ReadToEndAsync(reader));
        Assert.Equal(data.Length, reader.Position);
        Assert.Equal(data.Length, fill.Length);
        Assert.True((await reader.ReadAsync(CancellationToken.None)).IsEmpty);
    }

    [Fact]
    public async Task A_pending_read_completes_when_data_arrives_and_reads_empty_after_Complete()
    {
        var fill = NewFill();
        var reader = fill.TryJoin()!;

        var pending = reader.ReadAsync(CancellationToken.None).AsTask();
        Assert.False(pending.IsCompleted);

        fill.Append([1, 2, 3]);
        var first = await pending;
        Assert.Equal(new byte[] { 1, 2, 3 }, first.ToArray());
        reader.Advance(first.Length);

        var atEnd = reader.ReadAsync(CancellationToken.None).AsTask();
        Assert.False(atEnd.IsCompleted);
        fill.Complete();
        Assert.True((await atEnd).IsEmpty);
    }

    [Fact]
    public async Task A_pending_read_can_be_cancelled()
    {
        var fill = NewFill();
        var reader = fill.TryJoin()!;
        using var cancellation = new CancellationTokenSource();

        var pending = reader.ReadAsync(cancellation.Token).AsTask();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }

    [Fact]
    public async Task A_second_reader_joining_before_any_release_reads_from_the_start()
    {
        var fill = NewFill();
        fill.SetHead(Head());
        var first = fill.TryJoin()!;
        var data = TestBytes.Pattern((3 * Chunk) + 5);
        fill.Append(data.AsSpan(0, 2 * Chunk));
        var firstPart = await first.ReadAsync(CancellationToken.None);
        first.Advance(firstPart.Length);
        first.Advance(Chunk);

        var second = fill.TryJoin();
        fill.Append(data.AsSpan(2 * Chunk));
        fill.Complete();

        Assert.NotNull(second);
        Assert.Equal(0, second.Position);
        Assert.Equal(data, await ReadToEndAsync(second));
    }

    [Fact]
    public async Task A_second_reader_can_join_an_unstored_fill_while_nothing_is_released()
    {
        var fill = NewFill(window: Chunk);
        fill.SetHead(Head(stored: false));
        var first = fill.TryJoin()!;
        var data = TestBytes.Pattern(Chunk + 10);
        fill.Append(data);
        first.Advance(Chunk - 1);

        var second = fill.TryJoin();
        fill.Complete();

        Assert.NotNull(second);
        Assert.Equal(data, await ReadToEndAsync(second));
    }

    [Fact]
    public async Task Fail_makes_a_pending_read_throw()
    {
        var fill = NewFill();
        var reader = fill.TryJoin()!;
        fill.Append([1, 2, 3]);
        var data = await reader.ReadAsync(CancellationToken.None);
        reader.Advance(data.Length);

        var pending = reader.ReadAsync(CancellationToken.None).AsTask();
        Assert.False(pending.IsCompleted);
        fill.Fail();

        await Assert.ThrowsAsync<UpstreamFailedException>(() => pending);
        Assert.True(fill.Failed);
        await Assert.ThrowsAsync<UpstreamFailedException>(() => fill.Head);
    }

    [Fact]
    public async Task After_Fail_a_reader_gets_the_bytes_already_there_then_the_failure()
    {
        var fill = NewFill();
        var reader = fill.TryJoin()!;
        fill.Append([9, 8]);
        fill.Fail();

        var data = await reader.ReadAsync(CancellationToken.None);
        Assert.Equal(new byte[] { 9, 8 }, data.ToArray());
        reader.Advance(data.Length);

        await Assert.ThrowsAsync<UpstreamFailedException>(async () => await reader.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public void Fail_after_Complete_changes_nothing()
    {
        var fill = NewFill();
        fill.SetHead(Head());
        fill.Append([1]);
        fill.Complete();

        fill.Fail();

        Assert.False(fill.Failed);
        Assert.True(fill.Head.IsCompletedSuccessfully);
        Assert.NotNull(fill.CreateStoredBody());
    }

    [Fact]
    public void No_one_can_join_a_failed_fill()
    {
        var fill = NewFill();
        fill.Fail();

        Assert.Null(fill.TryJoin());
        Assert.Null(fill.CreateStoredBody());
    }

    [Fact]
    public void No_one_can_join_a_fill_whose_response_is_not_shareable()
    {
        var fill = NewFill();
        fill.SetHead(Head(shareable: false));

        Assert.Null(fill.TryJoin());
    }

    [Fact]
    public async Task WaitForRoomAsync_completes_only_once_the_unread_window_fits()
    {
        var fill = NewFill(window: Chunk);
        fill.SetHead(Head(stored: false));
        var reader = fill.TryJoin()!;
        fill.Append(TestBytes.Pattern(2 * Chunk));

        var wait = fill.WaitForRoomAsync(CancellationToken.None);
        Assert.False(wait.IsCompleted);

        reader.Advance(Chunk - 1);
        Assert.False(wait.IsCompleted);

        reader.Advance(1);
        Assert.True(wait.IsCompleted);
        await wait;

        Assert.True(fill.WaitForRoomAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task WaitForRoomAsync_waits_for_the_slowest_reader()
    {
        var fill = NewFill(window: Chunk);
        fill.SetHead(Head(stored: false));
        var fast = fill.TryJoin()!;
        var slow = fill.TryJoin()!;
        fill.Append(TestBytes.Pattern(2 * Chunk));

        var wait = fill.WaitForRoomAsync(CancellationToken.None);
        fast.Advance(2 * Chunk);
        Assert.False(wait.IsCompleted);

        slow.Advance(Chunk);
        Assert.True(wait.IsCompleted);
        await wait;
    }

    [Fact]
    public async Task WaitForRoomAsync_completes_when_the_last_reader_leaves()
    {
        var fill = NewFill(window: Chunk);
        fill.SetHead(Head(stored: false));
        var reader = fill.TryJoin()!;
        fill.Append(TestBytes.Pattern(3 * Chunk));
        var wait = fill.WaitForRoomAsync(CancellationToken.None);
        Assert.False(wait.IsCompleted);

        reader.Leave();

        Assert.True(wait.IsCompleted);
        await wait;
        Assert.True(fill.UpstreamAborted.IsCancellationRequested);
    }

    [Fact]
    public void WaitForRoomAsync_never_waits_for_a_response_being_stored()
    {
        var fill = NewFill(window: Chunk);
        fill.SetHead(Head(stored: true));
        _ = fill.TryJoin()!;

        fill.Append(TestBytes.Pattern(4 * Chunk));

        Assert.True(fill.WaitForRoomAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public void WaitForRoomAsync_waits_once_a_stored_response_grows_beyond_maxKept()
    {
        var fill = NewFill(window: Chunk, maxKept: 2 * Chunk);
        fill.SetHead(Head(stored: true));
        _ = fill.TryJoin()!;

        fill.Append(TestBytes.Pattern(2 * Chunk));
        Assert.True(fill.WaitForRoomAsync(CancellationToken.None).IsCompleted);

        fill.Append([1]);
        Assert.False(fill.WaitForRoomAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public void WaitForRoomAsync_does_not_wait_without_readers()
    {
        var fill = NewFill(window: Chunk);
        fill.SetHead(Head(stored: false));

        fill.Append(TestBytes.Pattern(4 * Chunk));

        Assert.True(fill.WaitForRoomAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public void TryJoin_returns_null_after_leading_chunks_were_released()
    {
        var fill = NewFill(window: Chunk);
        fill.SetHead(Head(stored: false));
        var reader = fill.TryJoin()!;
        fill.Append(TestBytes.Pattern(2 * Chunk));

        reader.Advance(Chunk);

        Assert.Null(fill.TryJoin());
    }

    [Fact]
    public void TryJoin_still_works_while_a_stored_response_keeps_every_chunk()
    {
        var fill = NewFill(window: Chunk);
        fill.SetHead(Head(stored: true));
        var reader = fill.TryJoin()!;
        fill.Append(TestBytes.Pattern(3 * Chunk));

        reader.Advance(3 * Chunk);

        Assert.NotNull(fill.TryJoin());
    }

    [Fact]
    public async Task A_reader_after_release_keeps_reading_the_chunks_it_has_not_read()
    {
        var fill = NewFill(window: Chunk);
        fill.SetHead(Head(stored: false));
        var reader = fill.TryJoin()!;
        var data = TestBytes.Pattern((3 * Chunk) + 77);
        fill.Append(data.AsSpan(0, 2 * Chunk));

        var received = new List<byte>();
        var first = await reader.ReadAsync(CancellationToken.None);
        received.AddRange(first.ToArray());
        reader.Advance(first.Length);
        fill.Append(data.AsSpan(2 * Chunk));
        fill.Complete();
        received.AddRange(await ReadToEndAsync(reader));

        Assert.Equal(data, received.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(Chunk - 1)]
    [InlineData(Chunk)]
    public async Task CreateStoredBody_copies_a_small_body_exactly(int length)
    {
        var fill = NewFill();
        fill.SetHead(Head());
        var data = TestBytes.Pattern(length);
        fill.Append(data);
        fill.Complete();

        var created = fill.CreateStoredBody();
        fill.ReleaseFetch();

        Assert.NotNull(created);
        var body = created.Value;
        Assert.Equal(length, body.Length);
        Assert.Equal(length, body.Capacity);
        Assert.Equal(data, await ContentOfAsync(body));
    }

    [Theory]
    [InlineData(Chunk + 1)]
    [InlineData(100 * 1024)]
    [InlineData(7 * Chunk)]
    public async Task CreateStoredBody_keeps_a_large_body_intact(int length)
    {
        var fill = NewFill();
        fill.SetHead(Head());
        var data = TestBytes.Pattern(length, seed: 3);
        for (var offset = 0; offset < length; offset += 5000)
        {
            fill.Append(data.AsSpan(offset, Math.Min(5000, length - offset)));
        }

        fill.Complete();

        var created = fill.CreateStoredBody();

        Assert.NotNull(created);
        var body = created.Value;
        Assert.Equal(length, body.Length);
        Assert.True(body.Capacity >= length);
        Assert.Equal(data, await ContentOfAsync(body));
    }

    [Fact]
    public async Task A_large_stored_body_outlives_the_fill_until_its_own_release()
    {
        var fill = NewFill();
        fill.SetHead(Head());
        var reader = fill.TryJoin()!;
        var data = TestBytes.Pattern(100 * 1024, seed: 11);
        fill.Append(data);
        fill.Complete();
        var body = fill.CreateStoredBody()!.Value;

        Assert.Equal(data, await ReadToEndAsync(reader));
        reader.Leave();
        fill.ReleaseFetch();

        Assert.Equal(data, await ContentOfAsync(body));
        Assert.True(body.TryHold());
        body.Release();
        body.Release();
        Assert.False(body.TryHold());
    }

    [Fact]
    public async Task The_last_bytes_of_a_declared_length_wait_for_Complete_so_no_client_finishes_before_the_store()
    {
        var fill = NewFill();
        fill.SetHead(Head() with { ContentLength = 100 });
        var reader = fill.TryJoin()!;

        fill.Append(TestBytes.Pattern(60));
        var first = await reader.ReadAsync(CancellationToken.None);
        reader.Advance(first.Length);
        fill.Append(TestBytes.Pattern(40, seed: 9));
        var pending = reader.ReadAsync(CancellationToken.None).AsTask();

        Assert.Equal(60, first.Length);
        Assert.False(pending.IsCompleted);
        Assert.NotNull(fill.CreateStoredBody());

        fill.Complete();
        Assert.Equal(40, (await pending.WaitAsync(TimeSpan.FromSeconds(10))).Length);
    }

    [Fact]
    public void CreateStoredBody_returns_null_once_chunks_were_released()
    {
        var fill = NewFill(window: Chunk);
        fill.SetHead(Head(stored: false));
        var reader = fill.TryJoin()!;
        fill.Append(TestBytes.Pattern(2 * Chunk));
        reader.Advance(Chunk);
        fill.Complete();

        Assert.Null(fill.CreateStoredBody());
    }

    [Fact]
    public void Leaving_an_unstored_fill_as_the_last_reader_aborts_the_upstream()
    {
        var fill = NewFill();
        fill.SetHead(Head(stored: false));
        var first = fill.TryJoin()!;
        var second = fill.TryJoin()!;

        first.Leave();
        Assert.False(fill.UpstreamAborted.IsCancellationRequested);

        second.Leave();
        Assert.True(fill.UpstreamAborted.IsCancellationRequested);
    }

    [Fact]
    public void Leaving_a_fill_that_is_being_stored_does_not_abort_the_upstream()
    {
        var fill = NewFill();
        fill.SetHead(Head(stored: true));
        var reader = fill.TryJoin()!;

        reader.Leave();
        reader.Leave();

        Assert.False(fill.UpstreamAborted.IsCancellationRequested);
        Assert.NotNull(fill.TryJoin());
    }

    [Fact]
    public async Task Head_completes_with_the_head_that_was_set()
    {
        var fill = NewFill();
        var head = Head();
        Assert.False(fill.Head.IsCompleted);

        fill.SetHead(head);

        Assert.True(fill.Head.IsCompletedSuccessfully);
        Assert.Same(head, await fill.Head);
    }
}
