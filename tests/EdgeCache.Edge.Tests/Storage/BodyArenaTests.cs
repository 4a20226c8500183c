using System.Net;
using System.Net.Sockets;
using EdgeCache.Edge.Storage;
using EdgeCache.Edge.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.Edge.Tests.Storage;

public sealed class BodyArenaTests
{
    private const int KiB = 1024;
    private const int MiB = 1024 * KiB;

    private static BodyArena Create(long reserveBytes = 64 * MiB)
    {
        var arena = BodyArena.TryCreate(reserveBytes, NullLogger.Instance);
        Assert.NotNull(arena);
        return arena;
    }

    private static BodyExtent Allocate(BodyArena arena, long length)
    {
        var extent = arena.TryAllocate(length);
        Assert.NotNull(extent);
        return extent;
    }

    /// <summary>The extent's bytes as sendfile sees them: read from the memfd, not through the mapping.</summary>
    private static byte[] ReadFile(BodyArena arena, long offset, int length)
    {
        var buffer = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = RandomAccess.Read(arena.Handle, buffer.AsSpan(read), offset + read);
            Assert.True(n > 0, "the memfd ended before the extent did");
            read += n;
        }

        return buffer;
    }

    [Theory]
    [InlineData(32 * KiB)]
    [InlineData((100 * KiB) + 7)]
    [InlineData(MiB)]
    public void Bytes_written_through_the_span_are_what_the_memfd_holds(int length)
    {
        using var arena = Create();
        _ = Allocate(arena, 4 * KiB);
        var extent = Allocate(arena, length);
        var content = TestBytes.Pattern(length);

        content.CopyTo(extent.Memory.Span);

        Assert.Equal(length, extent.Length);
        Assert.Equal(length, extent.Memory.Length);
        Assert.Equal(0, extent.Offset % BodyArena.PageSize);
        Assert.Equal(content, ReadFile(arena, extent.Offset, length));
        Assert.True(extent.Memory.Span.SequenceEqual(content));
    }

    [Fact]
    public async Task An_extent_is_sent_from_the_memfd_with_sendfile_at_its_offset()
    {
        using var arena = Create();
        _ = Allocate(arena, 5000);
        var extent = Allocate(arena, (300 * KiB) + 1);
        var content = TestBytes.Pattern(extent.Length);
        content.CopyTo(extent.Memory.Span);

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var server = await listener.AcceptAsync();

        var received = Task.Run(async () =>
        {
            var buffer = new byte[content.Length];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await client.ReceiveAsync(buffer.AsMemory(read));
                Assert.True(n > 0, "the connection closed before the extent was received");
                read += n;
            }

            return buffer;
        });

        // As the edge sends: what the socket takes now, then a wait for room (bounded), until all went.
        var sent = 0;
        while (sent < extent.Length)
        {
            sent += LinuxSocket.SendFileNow(server, arena.Handle, extent.Offset + sent, extent.Length - sent);
            if (sent < extent.Length)
            {
                Assert.True(server.Poll(TimeSpan.FromSeconds(30), SelectMode.SelectWrite), "the socket never had room again");
            }
        }

        Assert.Equal(content, await received.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public unsafe void A_pinned_extent_points_at_the_same_bytes_as_its_span()
    {
        using var arena = Create();
        var extent = Allocate(arena, 40 * KiB);
        TestBytes.Pattern(extent.Length).CopyTo(extent.Memory.Span);

        using var pin = extent.Memory.Slice(100).Pin();

        Assert.True(new ReadOnlySpan<byte>(pin.Pointer, extent.Length - 100).SequenceEqual(extent.Memory.Span[100..]));
    }

    [Fact]
    public void Extents_of_mixed_sizes_never_overlap()
    {
        using var arena = Create();
        int[] sizes = [1, 4 * KiB, 32 * KiB, 64 * KiB, (64 * KiB) + 1, 200 * KiB, MiB, (3 * MiB) + 11];
        var extents = new List<BodyExtent>();
        for (var i = 0; i < 40; i++)
        {
            var extent = Allocate(arena, sizes[i % sizes.Length]);
            TestBytes.Pattern(extent.Length, seed: i).CopyTo(extent.Memory.Span);
            extents.Add(extent);
        }

        for (var i = 0; i < extents.Count; i++)
        {
            var extent = extents[i];
            var expected = TestBytes.Pattern(extent.Length, seed: i);
            Assert.True(extent.Memory.Span.SequenceEqual(expected), $"extent {i} was overwritten");
            Assert.Equal(expected, ReadFile(arena, extent.Offset, extent.Length));
        }
    }

    [Fact]
    public void Live_bytes_count_each_extent_in_whole_pages()
    {
        using var arena = Create();

        var a = Allocate(arena, (100 * KiB) + 7);
        var b = Allocate(arena, 1);

        Assert.Equal((104 * KiB) + (4 * KiB), arena.LiveBytes);
        a.Free();
        Assert.Equal(4 * KiB, arena.LiveBytes);
        b.Free();
        Assert.Equal(0, arena.LiveBytes);
    }

    [Fact]
    public void Free_punches_the_pages_out_of_the_memfd()
    {
        using var arena = Create();
        var extent = Allocate(arena, (300 * KiB) + 1);
        extent.Memory.Span.Fill(0xAB);
        Assert.Equal(304 * KiB, arena.LiveBytes);

        extent.Free();

        Assert.All(ReadFile(arena, extent.Offset, extent.Length), b => Assert.Equal(0, b));
        Assert.Equal(0, arena.LiveBytes);
    }

    [Fact]
    public void A_freed_slot_is_reused_zeroed_by_the_next_allocation_of_its_class()
    {
        using var arena = Create();
        var first = Allocate(arena, 100 * KiB);
        var neighbour = Allocate(arena, 100 * KiB);
        first.Memory.Span.Fill(0xCD);

        first.Free();
        var smaller = Allocate(arena, 64 * KiB);
        var reused = Allocate(arena, (64 * KiB) + 1);

        Assert.NotEqual(first.Offset, smaller.Offset);
        Assert.Equal(first.Offset, reused.Offset);
        Assert.NotEqual(neighbour.Offset, reused.Offset);
        Assert.Equal(-1, reused.Memory.Span.IndexOfAnyExcept((byte)0));
    }

    [Fact]
    public void Allocation_fails_when_the_reserve_is_exhausted_until_a_slot_is_freed()
    {
        using var arena = Create(MiB);
        Assert.Equal(MiB, arena.ReserveBytes);
        Assert.Null(arena.TryAllocate(MiB + 1));

        var extents = new List<BodyExtent>();
        for (var i = 0; i < 16; i++)
        {
            extents.Add(Allocate(arena, 64 * KiB));
        }

        Assert.Null(arena.TryAllocate(1));
        Assert.Null(arena.TryAllocate(64 * KiB));

        extents[5].Free();
        Assert.Null(arena.TryAllocate(128 * KiB));
        Assert.Equal(extents[5].Offset, Allocate(arena, 32 * KiB).Offset);
        Assert.Null(arena.TryAllocate(1));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(int.MaxValue + 1L)]
    [InlineData(long.MaxValue)]
    public void Allocation_fails_for_lengths_an_extent_cannot_have(long length)
    {
        using var arena = Create();

        Assert.Null(arena.TryAllocate(length));
        Assert.Equal(0, arena.LiveBytes);
    }

    [Fact]
    public void Freeing_twice_puts_the_slot_on_the_free_list_once()
    {
        using var arena = Create();
        var extent = Allocate(arena, 64 * KiB);

        extent.Free();
        extent.Free();
        var a = Allocate(arena, 64 * KiB);
        var b = Allocate(arena, 64 * KiB);

        Assert.NotEqual(a.Offset, b.Offset);
        Assert.Equal(128 * KiB, arena.LiveBytes);
    }

    [Fact]
    public void Concurrent_allocate_write_verify_and_free_keep_every_extent_intact()
    {
        const int Threads = 4;
        const int Iterations = 500;
        const int Held = 4;
        using var arena = Create();
        int[] sizes = [1, 5 * KiB, 32 * KiB, 64 * KiB, 70 * KiB, 130 * KiB, 300 * KiB];
        var failures = 0;

        var workers = new Thread[Threads];
        for (var t = 0; t < Threads; t++)
        {
            var thread = t;
            workers[t] = new Thread(() =>
            {
                var held = new Queue<(BodyExtent Extent, byte Seed)>();
                for (var i = 0; i < Iterations; i++)
                {
                    var seed = (byte)((thread * 64) + (i % 64));
                    var extent = arena.TryAllocate(sizes[((thread * 7) + i) % sizes.Length]);
                    if (extent is null)
                    {
                        Interlocked.Increment(ref failures);
                        return;
                    }

                    extent.Memory.Span.Fill(seed);
                    held.Enqueue((extent, seed));
                    if (held.Count > Held)
                    {
                        var (oldest, oldestSeed) = held.Dequeue();
                        if (oldest.Memory.Span.IndexOfAnyExcept(oldestSeed) >= 0
                            || ReadFile(arena, oldest.Offset, oldest.Length).AsSpan().IndexOfAnyExcept(oldestSeed) >= 0)
                        {
                            Interlocked.Increment(ref failures);
                        }

                        oldest.Free();
                    }
                }

                while (held.TryDequeue(out var last))
                {
                    if (last.Extent.Memory.Span.IndexOfAnyExcept(last.Seed) >= 0)
                    {
                        Interlocked.Increment(ref failures);
                    }

                    last.Extent.Free();
                }
            });
        }

        foreach (var worker in workers)
        {
            worker.Start();
        }

        foreach (var worker in workers)
        {
            worker.Join();
        }

        Assert.Equal(0, failures);
        Assert.Equal(0, arena.LiveBytes);
    }

    [Fact]
    public void Dispose_closes_the_memfd_and_later_frees_do_nothing()
    {
        var arena = Create();
        var extent = Allocate(arena, 64 * KiB);

        arena.Dispose();
        extent.Free();
        arena.Dispose();

        Assert.Null(arena.TryAllocate(64 * KiB));
        Assert.True(arena.Handle.IsClosed);
    }

    [Fact]
    public void A_body_written_or_read_after_dispose_lands_in_harmless_memory_instead_of_crashing_the_process()
    {
        // A fill still streaming when the edge stops: before, this write hit an unmapped range (SIGSEGV).
        var arena = Create();
        var extent = Allocate(arena, 64 * KiB);
        extent.GetSpan().Fill(7);

        arena.Dispose();
        extent.GetSpan().Fill(9);

        Assert.Equal(9, extent.GetSpan()[^1]);
        Assert.True(arena.Handle.IsClosed);
    }
}
