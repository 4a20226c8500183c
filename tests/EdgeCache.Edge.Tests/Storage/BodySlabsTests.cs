using System.Buffers;
using System.IO.Pipelines;
using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.Edge.Tests.Storage;

public sealed class BodySlabsTests
{
    private const int MiB = 1024 * 1024;

    private static BodyArena CreateArena(long reserveBytes = 64 * MiB)
    {
        var arena = BodyArena.TryCreate(reserveBytes, NullLogger.Instance);
        Assert.NotNull(arena);
        return arena;
    }

    [Theory]
    [InlineData(1, 64)]
    [InlineData(64, 64)]
    [InlineData(65, 128)]
    [InlineData(1000, 1024)]
    [InlineData(1024, 1024)]
    [InlineData(1025, 1152)]
    [InlineData(2048, 2048)]
    [InlineData(2049, 2304)]
    [InlineData(5000, 5120)]
    [InlineData(16 * 1024, 16 * 1024)]
    public void A_slot_wastes_at_most_an_eighth_of_its_body_or_63_bytes(int length, int slot)
    {
        Assert.Equal(slot, BodySlabs.SlotSize(length));
        Assert.True(slot - length <= Math.Max(63, length / 8));
    }

    [Fact]
    public void Bodies_keep_their_bytes_until_freed_and_a_freed_slot_is_reused()
    {
        using var arena = CreateArena();
        var slabs = new BodySlabs(arena);
        var bodies = new List<(StoredBody Body, byte[] Content)>();
        for (var i = 0; i < 200; i++)
        {
            var content = TestBytes.Pattern(1000 + i, seed: i);
            bodies.Add((Pack(slabs, content), content));
        }

        // Bodies of 1,000 to 1,199 bytes: 25 slots of 1,024 B, 128 of 1,152 B and 47 of 1,280 B.
        Assert.Equal((25 * 1024) + (128 * 1152) + (47 * 1280), slabs.UsedBytes);
        foreach (var (body, content) in bodies)
        {
            Assert.Equal(content, Written(body));
        }

        var arenaBytes = arena.LiveBytes;
        foreach (var (body, _) in bodies[..100])
        {
            body.Release();
        }

        var again = TestBytes.Pattern(1024, seed: 7);
        Assert.Equal(again, Written(Pack(slabs, again)));
        Assert.True(arena.LiveBytes <= arenaBytes, "a freed slot was not reused");
        foreach (var (body, content) in bodies[100..])
        {
            Assert.Equal(content, Written(body));
        }
    }

    [Fact]
    public void Slabs_whose_bodies_are_all_gone_go_back_to_the_arena_but_one()
    {
        using var arena = CreateArena();
        var slabs = new BodySlabs(arena);
        var bodies = Enumerable.Range(0, 64 * 8).Select(_ => Pack(slabs, new byte[1024])).ToList();
        Assert.Equal(8 * BodySlabs.SlabBytes, slabs.SlabsBytes);
        Assert.Equal(8 * BodySlabs.SlabBytes, arena.LiveBytes);

        foreach (var body in bodies)
        {
            body.Release();
        }

        Assert.Equal(0, slabs.UsedBytes);
        Assert.Equal(BodySlabs.SlabBytes, slabs.SlabsBytes);
        Assert.Equal(BodySlabs.SlabBytes, arena.LiveBytes);
    }

    [Fact]
    public void A_held_body_outlives_its_release_by_the_cache()
    {
        using var arena = CreateArena();
        var slabs = new BodySlabs(arena);
        var content = TestBytes.Pattern(700);
        var body = Pack(slabs, content);

        Assert.True(body.TryHold());
        body.Release();
        Assert.Equal(content, Written(body));
        Assert.Equal(BodySlabs.SlotSize(700), slabs.UsedBytes);
        body.Release();

        Assert.Equal(0, slabs.UsedBytes);
        Assert.False(body.TryHold());
    }

    [Fact]
    public void A_late_hold_on_a_freed_body_fails_even_after_its_slot_went_to_another_body()
    {
        using var arena = CreateArena();
        var slabs = new BodySlabs(arena);
        var evicted = Pack(slabs, TestBytes.Pattern(1024, seed: 1));
        evicted.Release();

        var successor = TestBytes.Pattern(1024, seed: 2);
        var next = Pack(slabs, successor);

        Assert.NotEqual(evicted, next);
        Assert.False(evicted.TryHold());
        Assert.True(next.TryHold());
        next.Release();
        Assert.Equal(successor, Written(next));
    }

    [Fact]
    public async Task Ranges_of_a_packed_body_are_its_bytes()
    {
        using var arena = CreateArena();
        var slabs = new BodySlabs(arena);
        var content = TestBytes.Pattern(3000);
        var body = Pack(slabs, content);

        using var range = new MemoryStream();
        await body.WriteRangeAsync(range, 1234, 100, CancellationToken.None);

        Assert.Equal(content.AsSpan(1234, 100).ToArray(), range.ToArray());
        Assert.Equal(BodySlabs.SlotSize(3000), body.Capacity);
    }

    [Fact]
    public void Empty_oversized_or_unplaceable_bodies_are_refused()
    {
        using var arena = CreateArena(reserveBytes: BodySlabs.SlabBytes);
        var slabs = new BodySlabs(arena);

        Assert.Null(StoredBody.CopyInto(slabs, [], 0));
        Assert.Null(StoredBody.CopyInto(slabs, new byte[BodySlabs.MaxBody + 1], BodySlabs.MaxBody + 1));
        Assert.NotNull(StoredBody.CopyInto(slabs, new byte[1024], 1024));
        // The reserve holds one slab, of the 1 KiB class; another class finds no room.
        Assert.Null(StoredBody.CopyInto(slabs, new byte[2048], 2048));
    }

    private static StoredBody Pack(BodySlabs slabs, byte[] content)
    {
        var body = StoredBody.CopyInto(slabs, content, content.Length);
        Assert.NotNull(body);
        return body.Value;
    }

    private static byte[] Written(StoredBody body)
    {
        var pipe = new Pipe();
        body.WriteToAsync(pipe.Writer, 0, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        pipe.Writer.Complete();
        var result = pipe.Reader.ReadAtLeastAsync((int)body.Length).AsTask().GetAwaiter().GetResult();
        var bytes = result.Buffer.ToArray();
        pipe.Reader.Complete();
        return bytes;
    }
}
