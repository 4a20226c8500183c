using System.Net.Sockets;
using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Hosting;
using EdgeCache.Edge.Replication;
using EdgeCache.Replication.Changes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Tests.Replication;

public sealed class FeedApplyTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 14, 12, 0, 0, TimeSpan.Zero);

    private static ResponseCache CreateCache() => new(Options.Create(new EdgeOptions { CacheSize = new ByteSize(1 << 22) }));

    private static StoredResponse Response(string key, string? etag = null, string[]? tags = null)
        => new(
            key,
            200,
            etag is null ? [] : [new KeyValuePair<string, StringValues>("ETag", etag)],
            StoredBody.CopyOf([new byte[10]], 10),
            VaryKey.Empty,
            Now,
            TimeSpan.Zero,
            ReusePolicy.FreshFor(TimeSpan.FromMinutes(1)),
            "edge",
            null,
            tags);

    private static bool Fresh(ResponseCache cache, string key)
        => cache.Find(key.AsSpan(), new Microsoft.AspNetCore.Http.HeaderDictionary(), out _) is { } stored && stored.IsFresh(Now);

    [Fact]
    public void Each_op_invalidates_what_it_names()
    {
        var cache = CreateCache();
        var applier = new ChangeApplier(cache, NullLogger<ChangeApplier>.Instance);
        void StoreAll()
        {
            cache.Store(Response("http://e.test/a"));
            cache.Store(Response("http://e.test/a?v=2"));
            cache.Store(Response("http://e.test/dir/b"));
            cache.Store(Response("http://e.test/c", tags: ["red"]));
        }

        StoreAll();
        Assert.Equal(2, applier.Apply(new ChangeEntry { Seq = 1, Op = ChangeOps.Put, Path = "/a", ETag = "\"x\"" }));
        Assert.Equal(1, applier.Apply(new ChangeEntry { Seq = 2, Op = ChangeOps.Delete, Path = "/dir/b" }));
        Assert.Equal(1, applier.Apply(new ChangeEntry { Seq = 3, Op = ChangeOps.PurgeTag, Tags = ["red"] }));
        Assert.Equal(0, cache.Statistics().Entries);

        StoreAll();
        Assert.Equal(1, applier.Apply(new ChangeEntry { Seq = 4, Op = ChangeOps.PurgePrefix, Path = "/dir/" }));
        Assert.Equal(1, applier.Apply(new ChangeEntry { Seq = 5, Op = ChangeOps.PurgePath, Path = "/c", Soft = true }));
        Assert.False(Fresh(cache, "http://e.test/c"));
        Assert.Equal(3, cache.Statistics().Entries);
        Assert.Equal(3, applier.Apply(new ChangeEntry { Seq = 6, Op = ChangeOps.PurgeAll }));
        Assert.Equal(0, cache.Statistics().Entries);
    }

    [Fact]
    public void A_change_the_edge_cannot_read_drops_everything()
    {
        var cache = CreateCache();
        var applier = new ChangeApplier(cache, NullLogger<ChangeApplier>.Instance);
        cache.Store(Response("http://e.test/a"));
        cache.Store(Response("http://e.test/b"));

        Assert.Equal(2, applier.Apply(new ChangeEntry { Seq = 1, Op = "rename", Path = "/a" }));
        cache.Store(Response("http://e.test/a"));
        Assert.Equal(1, applier.Apply(new ChangeEntry { Seq = 2, Op = ChangeOps.PurgePath }));
    }

    [Fact]
    public void After_a_put_only_its_etag_is_stored_fresh_until_the_path_is_deleted_or_reset()
    {
        var cache = CreateCache();
        cache.ApplyPut("/g", "\"v2\"");

        cache.Store(Response("http://e.test/g", "\"v1\""));
        Assert.False(Fresh(cache, "http://e.test/g"));
        cache.Store(Response("http://e.test/g"));
        Assert.False(Fresh(cache, "http://e.test/g"));
        cache.Store(Response("http://e.test/g", "W/\"v2\""));
        Assert.True(Fresh(cache, "http://e.test/g"));
        // The edge's compressed variant of the put version is that version.
        cache.Store(Response("http://e.test/g", "\"v2-br\""));
        Assert.True(Fresh(cache, "http://e.test/g"));
        cache.Store(Response("http://e.test/g", "\"v1-br\""));
        Assert.False(Fresh(cache, "http://e.test/g"));
        cache.Store(Response("http://e.test/other", "\"v1\""));
        Assert.True(Fresh(cache, "http://e.test/other"));

        cache.ApplyDelete("/g");
        cache.Store(Response("http://e.test/g", "\"v1\""));
        Assert.True(Fresh(cache, "http://e.test/g"));

        cache.ApplyPut("/g", "\"v3\"");
        Assert.Equal(1, cache.Reset());
        cache.Store(Response("http://e.test/g", "\"v1\""));
        Assert.True(Fresh(cache, "http://e.test/g"));
    }

    [Fact]
    public void Expected_etags_keep_only_the_newest_puts()
    {
        var expected = new ExpectedETags();
        for (var i = 0; i < ExpectedETags.Capacity + 10; i++)
        {
            expected.Set($"/p/{i}", $"\"{i}\"");
        }

        Assert.Equal(ExpectedETags.Capacity, expected.Count);
        Assert.False(expected.Contradicts("/p/0", "\"other\""));
        Assert.True(expected.Contradicts($"/p/{ExpectedETags.Capacity + 9}", "\"other\""));
        Assert.False(expected.Contradicts($"/p/{ExpectedETags.Capacity + 9}", $"\"{ExpectedETags.Capacity + 9}\""));

        // Put again: the path becomes the newest instead of being counted twice.
        expected.Set("/p/10", "\"again\"");
        Assert.Equal(ExpectedETags.Capacity, expected.Count);
        Assert.False(expected.Contradicts("/p/10", "\"again\""));
    }

    [Fact]
    public void The_feed_turns_silent_after_MaxFeedSilence_and_never_without_an_origin()
    {
        var time = new Clock();
        var following = new FeedSilence(Options.Create(new EdgeOptions { Origin = "http://o.test", MaxFeedSilence = TimeSpan.FromSeconds(10) }), time);
        var plain = new FeedSilence(Options.Create(new EdgeOptions()), time);

        Assert.False(following.IsSilent(time.GetUtcNow() + TimeSpan.FromSeconds(10)));
        Assert.True(following.IsSilent(time.GetUtcNow() + TimeSpan.FromSeconds(11)));
        time.Now += TimeSpan.FromSeconds(30);
        Assert.True(following.IsSilent(time.GetUtcNow()));
        following.Heard();
        Assert.False(following.IsSilent(time.GetUtcNow()));
        Assert.False(plain.IsSilent(time.GetUtcNow() + TimeSpan.FromDays(365)));
    }

    [Fact]
    public async Task Acks_are_one_at_a_time_and_the_last_one_carries_the_latest_seq()
    {
        var sent = new List<long>();
        var inFlight = 0;
        var maxInFlight = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var acks = new AckSender(
            async (applied, _) =>
            {
                maxInFlight = Math.Max(maxInFlight, Interlocked.Increment(ref inFlight));
                lock (sent)
                {
                    sent.Add(applied);
                }

                first.TrySetResult();
                await gate.Task;
                Interlocked.Decrement(ref inFlight);
            },
            NullLogger.Instance);

        acks.Request(1);
        await first.Task.WaitAsync(TimeSpan.FromSeconds(10));
        for (var seq = 2; seq <= 100; seq++)
        {
            acks.Request(seq);
        }

        gate.SetResult();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline && !sent.Contains(100))
        {
            await Task.Delay(10);
        }

        Assert.Equal([1L, 100L], sent);
        Assert.Equal(1, maxInFlight);
    }

    [Fact]
    public async Task An_ack_that_fails_with_a_bare_socket_error_does_not_stop_the_acks_after_it()
    {
        // What SocketsHttpHandler throws, unwrapped, for a connection reset as soon as it is made.
        var sent = new List<long>();
        var attempts = 0;
        await using var acks = new AckSender(
            (applied, _) =>
            {
                if (Interlocked.Increment(ref attempts) == 1)
                {
                    throw new SocketException((int)SocketError.NotConnected);
                }

                lock (sent)
                {
                    sent.Add(applied);
                }

                return Task.CompletedTask;
            },
            NullLogger.Instance);

        acks.Request(1);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline && !sent.Contains(2))
        {
            acks.Request(2);
            await Task.Delay(10);
        }

        Assert.Contains(2L, sent);
        Assert.DoesNotContain(1L, sent);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", "http://127.0.0.1:5000/")]
    [InlineData("http://[::]:5000", "http://[::1]:5000/")]
    [InlineData("http://0.0.0.0:5000", "http://127.0.0.1:5000/")]
    [InlineData("https://127.0.0.1:5001;http://127.0.0.2:5000", "http://127.0.0.2:5000/")]
    [InlineData("https://127.0.0.1:5001", "https://127.0.0.1:5001/")]
    public void The_edge_fetches_from_itself_on_an_address_it_can_reach(string bound, string expected)
        => Assert.Equal(new Uri(expected), SelfAddress.Of(bound.Split(';')));

    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = FeedApplyTests.Now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
