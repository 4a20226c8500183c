using System.Globalization;
using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Tests.Caching;

public sealed class ResponseCacheTests
{
    private const int BodyLength = 1000;
    private static readonly DateTimeOffset Now = new(2025, 3, 14, 12, 0, 0, TimeSpan.Zero);
    private static readonly HeaderDictionary NoHeaders = new();

    /// <summary>The budget charge of one entry built by <see cref="Response"/> with a 4-character key and no Vary.</summary>
    private static readonly long EntrySize = Response("k000").Size;

    private static ResponseCache CreateCache(long capacity)
        => new(Options.Create(new EdgeOptions { CacheSize = new ByteSize(capacity) }));

    private static StoredResponse Response(string key, int bodyLength = BodyLength, VaryKey? vary = null, byte fill = 0)
    {
        var bytes = new byte[bodyLength];
        Array.Fill(bytes, fill);
        return new StoredResponse(
            key,
            200,
            [],
            StoredBody.CopyOf([bytes], bodyLength),
            vary ?? VaryKey.Empty,
            Now,
            TimeSpan.Zero,
            ReusePolicy.FreshFor(TimeSpan.FromMinutes(1)),
            "edge",
            null);
    }

    private static StoredResponse? Find(ResponseCache cache, string key, IHeaderDictionary? requestHeaders = null)
        => cache.Find(key.AsSpan(), requestHeaders ?? NoHeaders, out _);

    [Fact]
    public void Finding_one_variant_or_one_of_several_allocates_nothing()
    {
        var cache = CreateCache(1 << 20);
        var gzip = new HeaderDictionary { [HeaderNames.AcceptEncoding] = "gzip" };
        var br = new HeaderDictionary { [HeaderNames.AcceptEncoding] = "br" };
        cache.Store(Response("http://a.test/one"));
        cache.Store(Response("http://a.test/two", vary: VaryKey.Create("Accept-Encoding", gzip)));
        cache.Store(Response("http://a.test/two", vary: VaryKey.Create("Accept-Encoding", br)));
        for (var i = 0; i < 3; i++)
        {
            cache.Find("http://a.test/one".AsSpan(), NoHeaders, out _);
            cache.Find("http://a.test/two".AsSpan(), br, out _);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var one = cache.Find("http://a.test/one".AsSpan(), NoHeaders, out _);
        var afterOne = GC.GetAllocatedBytesForCurrentThread();
        // The newest variant: matching an older one first normalises the request's value (VaryKey's business, not the store's).
        var two = cache.Find("http://a.test/two".AsSpan(), br, out _);
        var afterTwo = GC.GetAllocatedBytesForCurrentThread();

        Assert.NotNull(one);
        Assert.NotNull(two);
        Assert.Equal((0L, 0L), (afterOne - before, afterTwo - afterOne));
    }

    [Fact]
    public void A_key_that_drops_to_one_variant_still_finds_it_and_the_rest_of_the_variants_go_with_a_purge()
    {
        var cache = CreateCache(1 << 20);
        var gzip = new HeaderDictionary { [HeaderNames.AcceptEncoding] = "gzip" };
        var br = new HeaderDictionary { [HeaderNames.AcceptEncoding] = "br" };
        var zipped = Response("http://a.test/x", vary: VaryKey.Create("Accept-Encoding", gzip));
        var brotli = Response("http://a.test/x", vary: VaryKey.Create("Accept-Encoding", br));
        cache.Store(zipped);
        cache.Store(brotli);

        cache.Remove(zipped);

        Assert.Null(Find(cache, "http://a.test/x", gzip));
        Assert.Same(brotli, Find(cache, "http://a.test/x", br));
        Assert.Equal(1, cache.PurgePath("/x", soft: false));
        Assert.Null(Find(cache, "http://a.test/x", br));
        Assert.Equal((0, 0, 0, 0), cache.IndexSizes());
    }

    [Fact]
    public void A_stored_response_is_found_by_its_key_as_a_span()
    {
        var cache = CreateCache(1 << 20);
        var response = Response("https://example.test/a");

        Assert.True(cache.Store(response));

        // A span over a larger buffer, not the original string, must find the entry.
        var buffer = "xxhttps://example.test/axx".AsSpan(2, "https://example.test/a".Length);
        var found = cache.Find(buffer, NoHeaders, out var keyKnown);
        Assert.Same(response, found);
        Assert.True(keyKnown);
    }

    [Fact]
    public void An_unknown_key_is_not_found_and_not_known()
    {
        var cache = CreateCache(1 << 20);
        cache.Store(Response("https://example.test/a"));

        var found = cache.Find("https://example.test/b".AsSpan(), NoHeaders, out var keyKnown);

        Assert.Null(found);
        Assert.False(keyKnown);
    }

    [Fact]
    public void Statistics_bytes_are_the_sum_of_the_entry_sizes()
    {
        var cache = CreateCache(1 << 20);
        var a = Response("a", bodyLength: 100);
        var b = Response("bb", bodyLength: 5000);
        var c = Response("ccc", bodyLength: 0);

        cache.Store(a);
        cache.Store(b);
        cache.Store(c);

        var statistics = cache.Statistics();
        Assert.Equal(3, statistics.Entries);
        Assert.Equal(a.Size + b.Size + c.Size, statistics.Bytes);
        Assert.Equal(1 << 20, statistics.Capacity);
        Assert.Equal(0, statistics.Evictions);
    }

    [Fact]
    public void The_size_of_an_entry_counts_body_key_and_overhead()
    {
        var response = Response("k000");

        // An array body's bookkeeping: its RefCountedBody (40 B) and the array's header (24 B).
        Assert.Equal(StoredResponse.EntryOverhead + (2 * 4) + BodyLength + 40 + 24, response.Size);
    }

    [Fact]
    public void Storing_beyond_the_budget_evicts_and_bytes_never_exceed_capacity()
    {
        var cache = CreateCache(EntrySize * 5);

        for (var i = 0; i < 50; i++)
        {
            Assert.True(cache.Store(Response($"k{i:D3}")));
            var statistics = cache.Statistics();
            Assert.True(statistics.Bytes <= statistics.Capacity, $"{statistics.Bytes} > {statistics.Capacity} after {i + 1} stores");
        }

        var final = cache.Statistics();
        Assert.Equal(5, final.Entries);
        Assert.Equal(5 * EntrySize, final.Bytes);
        Assert.Equal(45, final.Evictions);
        Assert.NotNull(Find(cache, "k049"));
        Assert.Null(Find(cache, "k000"));
    }

    [Fact]
    public void Without_visits_the_oldest_entry_is_evicted_first()
    {
        var cache = CreateCache(EntrySize * 3);
        cache.Store(Response("k000"));
        cache.Store(Response("k001"));
        cache.Store(Response("k002"));

        cache.Store(Response("k003"));

        Assert.Null(Find(cache, "k000"));
        Assert.NotNull(Find(cache, "k001"));
        Assert.NotNull(Find(cache, "k002"));
        Assert.NotNull(Find(cache, "k003"));
    }

    [Fact]
    public void An_entry_larger_than_the_whole_budget_is_rejected_and_released()
    {
        var cache = CreateCache(EntrySize * 3);
        cache.Store(Response("k000"));
        var huge = Response("huge", bodyLength: (int)(EntrySize * 3));

        Assert.False(cache.Store(huge));

        Assert.False(huge.Body.TryHold());
        Assert.Null(Find(cache, "huge"));
        var statistics = cache.Statistics();
        Assert.Equal(1, statistics.Entries);
        Assert.Equal(EntrySize, statistics.Bytes);
        Assert.NotNull(Find(cache, "k000"));
    }

    [Fact]
    public void An_entry_exactly_as_large_as_the_budget_is_stored_after_evicting_everything()
    {
        var cache = CreateCache(EntrySize * 2);
        cache.Store(Response("k000"));
        cache.Store(Response("k001"));
        var big = Response("k002", bodyLength: BodyLength + (int)EntrySize);
        Assert.Equal(cache.Capacity, big.Size);

        Assert.True(cache.Store(big));

        Assert.Same(big, Find(cache, "k002"));
        Assert.Null(Find(cache, "k000"));
        Assert.Null(Find(cache, "k001"));
        Assert.Equal(cache.Capacity, cache.Statistics().Bytes);
    }

    [Fact]
    public void Sieve_keeps_a_visited_old_entry_and_evicts_an_unvisited_one()
    {
        var cache = CreateCache(EntrySize * 3);
        var oldest = Response("k000");
        var middle = Response("k001");
        var newest = Response("k002");
        cache.Store(oldest);
        cache.Store(middle);
        cache.Store(newest);

        Assert.Same(oldest, Find(cache, "k000"));
        cache.Store(Response("k003"));

        Assert.Same(oldest, Find(cache, "k000"));
        Assert.Null(Find(cache, "k001"));
        Assert.Same(newest, Find(cache, "k002"));
        Assert.NotNull(Find(cache, "k003"));
        Assert.False(middle.Body.TryHold());
        Assert.Equal(1, cache.Statistics().Evictions);
    }

    [Fact]
    public void Sieve_evicts_the_oldest_when_every_entry_was_visited()
    {
        var cache = CreateCache(EntrySize * 3);
        cache.Store(Response("k000"));
        cache.Store(Response("k001"));
        cache.Store(Response("k002"));
        Find(cache, "k000");
        Find(cache, "k001");
        Find(cache, "k002");

        cache.Store(Response("k003"));

        var statistics = cache.Statistics();
        Assert.Equal(3, statistics.Entries);
        Assert.Null(Find(cache, "k000"));
        Assert.NotNull(Find(cache, "k001"));
        Assert.NotNull(Find(cache, "k002"));
        Assert.NotNull(Find(cache, "k003"));
    }

    [Fact]
    public void Sieve_hand_resumes_where_it_stopped()
    {
        var cache = CreateCache(EntrySize * 3);
        cache.Store(Response("k000"));
        cache.Store(Response("k001"));
        cache.Store(Response("k002"));
        Find(cache, "k000");

        cache.Store(Response("k003")); // clears k000's visit, evicts k001; the hand rests at k002
        Find(cache, "k000");           // visited again, but behind the hand
        cache.Store(Response("k004")); // the hand continues at k002, which is unvisited

        Assert.NotNull(Find(cache, "k000"));
        Assert.Null(Find(cache, "k001"));
        Assert.Null(Find(cache, "k002"));
        Assert.NotNull(Find(cache, "k003"));
        Assert.NotNull(Find(cache, "k004"));
    }

    [Fact]
    public void Replacing_the_same_key_keeps_one_entry()
    {
        var cache = CreateCache(1 << 20);
        var first = Response("k000", bodyLength: 100);
        var second = Response("k000", bodyLength: 300);

        cache.Store(first);
        cache.Store(second);

        var statistics = cache.Statistics();
        Assert.Equal(1, statistics.Entries);
        Assert.Equal(second.Size, statistics.Bytes);
        Assert.Same(second, Find(cache, "k000"));
        Assert.False(first.Body.TryHold());
        Assert.Equal(0, statistics.Evictions);
    }

    [Fact]
    public void Vary_variants_are_found_by_the_matching_request_headers()
    {
        var cache = CreateCache(1 << 20);
        var gzipRequest = new HeaderDictionary { [HeaderNames.AcceptEncoding] = "gzip" };
        var brRequest = new HeaderDictionary { [HeaderNames.AcceptEncoding] = "br" };
        var gzip = Response("k", vary: VaryKey.Create("Accept-Encoding", gzipRequest), fill: 1);
        var br = Response("k", vary: VaryKey.Create("Accept-Encoding", brRequest), fill: 2);

        cache.Store(gzip);
        cache.Store(br);

        Assert.Equal(2, cache.Statistics().Entries);
        Assert.Same(gzip, cache.Find("k".AsSpan(), new HeaderDictionary { [HeaderNames.AcceptEncoding] = "gzip" }, out var gzipKnown));
        Assert.True(gzipKnown);
        Assert.Same(br, cache.Find("k".AsSpan(), new HeaderDictionary { [HeaderNames.AcceptEncoding] = "br" }, out var brKnown));
        Assert.True(brKnown);
        Assert.Null(cache.Find("k".AsSpan(), new HeaderDictionary { [HeaderNames.AcceptEncoding] = "deflate" }, out var otherKnown));
        Assert.True(otherKnown);
        Assert.Null(cache.Find("k".AsSpan(), new HeaderDictionary(), out var noneKnown));
        Assert.True(noneKnown);
    }

    [Fact]
    public void Storing_the_same_variant_again_replaces_only_that_variant()
    {
        var cache = CreateCache(1 << 20);
        var gzipRequest = new HeaderDictionary { [HeaderNames.AcceptEncoding] = "gzip" };
        var brRequest = new HeaderDictionary { [HeaderNames.AcceptEncoding] = "br" };
        var gzip = Response("k", vary: VaryKey.Create("Accept-Encoding", gzipRequest));
        var br = Response("k", vary: VaryKey.Create("Accept-Encoding", brRequest));
        var gzip2 = Response("k", vary: VaryKey.Create("accept-encoding", gzipRequest));

        cache.Store(gzip);
        cache.Store(br);
        cache.Store(gzip2);

        Assert.Equal(2, cache.Statistics().Entries);
        Assert.Same(gzip2, Find(cache, "k", gzipRequest));
        Assert.Same(br, Find(cache, "k", brRequest));
        Assert.False(gzip.Body.TryHold());
    }

    [Fact]
    public void A_key_keeps_at_most_MaxVariantsPerKey_variants_dropping_the_oldest()
    {
        var cache = CreateCache(1 << 22);
        var responses = new List<StoredResponse>();
        for (var i = 0; i <= ResponseCache.MaxVariantsPerKey; i++)
        {
            var request = new HeaderDictionary { ["X-Variant"] = i.ToString(CultureInfo.InvariantCulture) };
            var response = Response("k", bodyLength: 10, vary: VaryKey.Create("X-Variant", request));
            responses.Add(response);
            cache.Store(response);
        }

        Assert.Equal(ResponseCache.MaxVariantsPerKey, cache.Statistics().Entries);
        Assert.Null(Find(cache, "k", new HeaderDictionary { ["X-Variant"] = "0" }));
        Assert.False(responses[0].Body.TryHold());
        Assert.Same(responses[^1], Find(cache, "k", new HeaderDictionary { ["X-Variant"] = ResponseCache.MaxVariantsPerKey.ToString(CultureInfo.InvariantCulture) }));
        Assert.Same(responses[1], Find(cache, "k", new HeaderDictionary { ["X-Variant"] = "1" }));
    }

    [Fact]
    public void Invalidate_removes_all_variants()
    {
        var cache = CreateCache(1 << 20);
        var gzipRequest = new HeaderDictionary { [HeaderNames.AcceptEncoding] = "gzip" };
        var brRequest = new HeaderDictionary { [HeaderNames.AcceptEncoding] = "br" };
        var gzip = Response("k", vary: VaryKey.Create("Accept-Encoding", gzipRequest));
        var br = Response("k", vary: VaryKey.Create("Accept-Encoding", brRequest));
        var other = Response("other");
        cache.Store(gzip);
        cache.Store(br);
        cache.Store(other);

        Assert.Equal(2, cache.Invalidate("k"));

        Assert.Null(cache.Find("k".AsSpan(), gzipRequest, out var keyKnown));
        Assert.False(keyKnown);
        Assert.Null(Find(cache, "k", brRequest));
        Assert.False(gzip.Body.TryHold());
        Assert.False(br.Body.TryHold());
        var statistics = cache.Statistics();
        Assert.Equal(1, statistics.Entries);
        Assert.Equal(other.Size, statistics.Bytes);
        Assert.Same(other, Find(cache, "other"));
        Assert.Equal(0, cache.Invalidate("k"));
    }

    [Fact]
    public void Invalidated_entries_no_longer_take_part_in_eviction()
    {
        var cache = CreateCache(EntrySize * 3);
        cache.Store(Response("k000"));
        cache.Store(Response("k001"));
        cache.Store(Response("k002"));
        cache.Invalidate("k000");
        cache.Invalidate("k002");

        cache.Store(Response("k003"));
        cache.Store(Response("k004"));

        var statistics = cache.Statistics();
        Assert.Equal(3, statistics.Entries);
        Assert.Equal(0, statistics.Evictions);
        Assert.NotNull(Find(cache, "k001"));
    }

    [Fact]
    public void Remove_drops_the_stored_response_once()
    {
        var cache = CreateCache(1 << 20);
        var response = Response("k000");
        cache.Store(response);

        cache.Remove(response);
        cache.Remove(response);

        Assert.Null(Find(cache, "k000"));
        Assert.Equal(0, cache.Statistics().Entries);
        Assert.Equal(0, cache.Statistics().Bytes);
    }

    [Fact]
    public void Remove_ignores_a_response_that_was_already_replaced()
    {
        var cache = CreateCache(1 << 20);
        var first = Response("k000");
        var second = Response("k000");
        cache.Store(first);
        cache.Store(second);

        cache.Remove(first);

        Assert.Same(second, Find(cache, "k000"));
        Assert.Equal(second.Size, cache.Statistics().Bytes);
    }

    [Fact]
    public void Evicted_bodies_are_released_and_resident_ones_are_not()
    {
        var cache = CreateCache(EntrySize * 2);
        var evicted = Response("k000");
        var resident = Response("k001");
        cache.Store(evicted);
        cache.Store(resident);

        cache.Store(Response("k002"));

        Assert.False(evicted.Body.TryHold());
        Assert.True(resident.Body.TryHold());
        resident.Body.Release();
    }

    [Fact]
    public void Hits_and_misses_are_counted()
    {
        var cache = CreateCache(1 << 20);

        cache.CountHit();
        cache.CountHit();
        cache.CountMiss();

        var statistics = cache.Statistics();
        Assert.Equal(2, statistics.Hits);
        Assert.Equal(1, statistics.Misses);
    }

    [Fact]
    public async Task Concurrent_stores_never_exceed_the_budget()
    {
        const int Tasks = 4;
        const int PerTask = 2_000;
        var cache = CreateCache(EntrySize * 20 + EntrySize / 2);
        using var start = new ManualResetEventSlim();

        var workers = Enumerable.Range(0, Tasks).Select(t => Task.Run(() =>
        {
            start.Wait();
            for (var i = 0; i < PerTask; i++)
            {
                // Keys all have the same length, so every entry has the same size.
                var response = Response($"t{t}{i:D4}");
                if (!cache.Store(response))
                {
                    throw new InvalidOperationException("An entry that fits the budget was rejected.");
                }

                var statistics = cache.Statistics();
                if (statistics.Bytes > statistics.Capacity || statistics.Bytes < 0)
                {
                    throw new InvalidOperationException($"Bytes {statistics.Bytes} outside [0, {statistics.Capacity}].");
                }

                // A concurrent lookup must never throw and must only return the entry of that key.
                var found = cache.Find($"t{(t + 1) % Tasks}{i:D4}".AsSpan(), NoHeaders, out _);
                if (found is not null && found.Key != $"t{(t + 1) % Tasks}{i:D4}")
                {
                    throw new InvalidOperationException("Find returned the entry of another key.");
                }
            }
        })).ToArray();

        start.Set();
        await Task.WhenAll(workers);

        var final = cache.Statistics();
        Assert.True(final.Bytes <= final.Capacity);
        Assert.Equal(Tasks * PerTask, final.Entries + final.Evictions);

        long findable = 0;
        long findableBytes = 0;
        for (var t = 0; t < Tasks; t++)
        {
            for (var i = 0; i < PerTask; i++)
            {
                if (Find(cache, $"t{t}{i:D4}") is { } entry)
                {
                    findable++;
                    findableBytes += entry.Size;
                }
            }
        }

        Assert.Equal(final.Entries, findable);
        Assert.Equal(final.Bytes, findableBytes);
    }
}
