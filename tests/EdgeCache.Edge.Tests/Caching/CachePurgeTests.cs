using System.Globalization;
using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Tests.Caching;

public sealed class CachePurgeTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 14, 12, 0, 0, TimeSpan.Zero);
    private static readonly HeaderDictionary NoHeaders = new();
    private static readonly HeaderDictionary GzipRequest = new() { [HeaderNames.AcceptEncoding] = "gzip" };
    private static readonly HeaderDictionary BrRequest = new() { [HeaderNames.AcceptEncoding] = "br" };

    private static ResponseCache CreateCache(long capacity = 1 << 22)
        => new(Options.Create(new EdgeOptions { CacheSize = new ByteSize(capacity) }));

    private static StoredResponse Response(string key, string[]? tags = null, IHeaderDictionary? variantOf = null, int bodyLength = 100)
        => new(
            key,
            200,
            [],
            StoredBody.CopyOf([new byte[bodyLength]], bodyLength),
            variantOf is null ? VaryKey.Empty : VaryKey.Create("Accept-Encoding", variantOf),
            Now,
            TimeSpan.Zero,
            ReusePolicy.FreshFor(TimeSpan.FromMinutes(1)),
            "edge",
            null,
            tags);

    private static StoredResponse? Find(ResponseCache cache, string key, IHeaderDictionary? requestHeaders = null)
        => cache.Find(key.AsSpan(), requestHeaders ?? NoHeaders, out _);

    private static void AssertIndexesEmpty(ResponseCache cache)
        => Assert.Equal((0, 0, 0, 0), cache.IndexSizes());

    [Fact]
    public void Hard_url_purge_removes_every_variant_of_the_url_and_nothing_else()
    {
        var cache = CreateCache();
        var gzip = Response("http://a.test/x", variantOf: GzipRequest);
        var br = Response("http://a.test/x", variantOf: BrRequest);
        var other = Response("http://a.test/x?q=1");
        cache.Store(gzip);
        cache.Store(br);
        cache.Store(other);

        Assert.Equal(2, cache.PurgeUrl("http://a.test/x", soft: false));

        Assert.Null(cache.Find("http://a.test/x".AsSpan(), GzipRequest, out var keyKnown));
        Assert.False(keyKnown);
        Assert.False(gzip.Body.TryHold());
        Assert.False(br.Body.TryHold());
        Assert.Same(other, Find(cache, "http://a.test/x?q=1"));
        Assert.Equal(1, cache.Statistics().Entries);
        Assert.Equal(ResponseCache.Charge(other), cache.Statistics().Bytes);
        Assert.Equal(0, cache.PurgeUrl("http://a.test/x", soft: false));
    }

    [Fact]
    public void Soft_url_purge_keeps_every_variant_stored_but_stale()
    {
        var cache = CreateCache();
        var gzip = Response("http://a.test/x", variantOf: GzipRequest);
        var br = Response("http://a.test/x", variantOf: BrRequest);
        var other = Response("http://a.test/y");
        cache.Store(gzip);
        cache.Store(br);
        cache.Store(other);

        Assert.Equal(2, cache.PurgeUrl("http://a.test/x", soft: true));

        Assert.Same(gzip, Find(cache, "http://a.test/x", GzipRequest));
        Assert.Same(br, Find(cache, "http://a.test/x", BrRequest));
        Assert.True(gzip.SoftPurged);
        Assert.False(gzip.IsFresh(Now));
        Assert.False(br.IsFresh(Now));
        Assert.True(other.IsFresh(Now));
        Assert.Equal(3, cache.Statistics().Entries);
    }

    [Fact]
    public void Path_purge_selects_every_url_with_that_path_on_any_host_scheme_and_query()
    {
        var cache = CreateCache();
        string[] selected = ["http://a.test/x", "https://b.test:8443/x?q=1", "http://a.test/x?q=2"];
        string[] spared = ["http://a.test/x/y", "http://a.test/xy", "http://a.test/y?x", "http://a.test/X"];
        foreach (var key in selected.Concat(spared))
        {
            cache.Store(Response(key));
        }

        cache.Store(Response("http://a.test/x?q=2", variantOf: GzipRequest));

        Assert.Equal(4, cache.PurgePath("/x", soft: false));

        Assert.All(selected, key => Assert.Null(cache.Find(key.AsSpan(), GzipRequest, out _)));
        Assert.All(spared, key => Assert.NotNull(Find(cache, key)));
        Assert.Equal(spared.Length, cache.Statistics().Entries);
        Assert.Equal((spared.Length, spared.Length, 0, 0), cache.IndexSizes());
    }

    [Fact]
    public void Soft_path_purge_marks_the_path_stale_and_spares_other_paths()
    {
        var cache = CreateCache();
        var a = Response("http://a.test/x");
        var b = Response("http://b.test/x?v=1");
        var c = Response("http://a.test/z");
        cache.Store(a);
        cache.Store(b);
        cache.Store(c);

        Assert.Equal(2, cache.PurgePath("/x", soft: true));

        Assert.True(a.SoftPurged);
        Assert.True(b.SoftPurged);
        Assert.False(c.SoftPurged);
        Assert.Equal(3, cache.Statistics().Entries);
    }

    [Fact]
    public void The_root_path_and_an_empty_path_are_paths_too()
    {
        var cache = CreateCache();
        cache.Store(Response("http://a.test/"));
        cache.Store(Response("http://b.test/?q"));
        cache.Store(Response("http://c.test?q"));

        Assert.Equal(2, cache.PurgePath("/", soft: false));
        Assert.Equal(1, cache.PurgePath(string.Empty, soft: false));
        AssertIndexesEmpty(cache);
    }

    [Fact]
    public void Prefix_purge_selects_paths_by_their_beginning()
    {
        var cache = CreateCache();
        foreach (var key in new[] { "http://a.test/x", "http://a.test/x?q=1", "http://a.test/x/y", "https://b.test/x/y/z", "http://a.test/xy", "http://a.test/y" })
        {
            cache.Store(Response(key));
        }

        Assert.Equal(2, cache.PurgePrefix("/x/", soft: false));
        Assert.Equal(3, cache.PurgePrefix("/x", soft: true));
        Assert.Null(Find(cache, "http://a.test/x/y"));
        Assert.True(Find(cache, "http://a.test/xy")!.SoftPurged);
        Assert.False(Find(cache, "http://a.test/y")!.SoftPurged);
        Assert.Equal(4, cache.PurgePrefix("/", soft: false));
        Assert.Equal(0, cache.Statistics().Entries);
        AssertIndexesEmpty(cache);
    }

    [Fact]
    public void Tag_purge_selects_exactly_the_tagged_responses()
    {
        var cache = CreateCache();
        var ab = Response("http://a.test/1", ["a", "b"]);
        var b = Response("http://a.test/2", ["b"]);
        var bGzip = Response("http://a.test/3", ["B", "b"], GzipRequest);
        var untagged = Response("http://a.test/4");
        foreach (var response in new[] { ab, b, bGzip, untagged })
        {
            cache.Store(response);
        }

        Assert.Equal(1, cache.PurgeTag("a", soft: false));
        Assert.Null(Find(cache, "http://a.test/1"));
        Assert.Equal(0, cache.PurgeTag("a", soft: false));

        Assert.Equal(2, cache.PurgeTag("b", soft: true));
        Assert.True(b.SoftPurged);
        Assert.True(bGzip.SoftPurged);
        Assert.False(untagged.SoftPurged);

        // Tags are case-sensitive.
        Assert.Equal(1, cache.PurgeTag("B", soft: false));
        Assert.Same(b, Find(cache, "http://a.test/2"));
        Assert.Equal(0, cache.PurgeTag("missing", soft: false));
    }

    [Fact]
    public void Hard_purge_of_everything_empties_the_cache_and_the_indexes()
    {
        var cache = CreateCache();
        var responses = Enumerable.Range(0, 20)
            .Select(i => Response($"http://h{i % 3}.test/p{i % 5}?i={i}", [$"t{i % 4}", "all"]))
            .ToList();
        responses.ForEach(r => cache.Store(r));
        cache.Store(Response("not-a-url"));

        Assert.Equal(21, cache.PurgeAll(soft: false));

        var statistics = cache.Statistics();
        Assert.Equal(0, statistics.Entries);
        Assert.Equal(0, statistics.Bytes);
        Assert.All(responses, r => Assert.False(r.Body.TryHold()));
        AssertIndexesEmpty(cache);
        Assert.Equal(0, cache.PurgeAll(soft: false));
    }

    [Fact]
    public void Soft_purge_of_everything_keeps_every_entry_stale()
    {
        var cache = CreateCache();
        var responses = Enumerable.Range(0, 5).Select(i => Response($"http://a.test/{i}")).ToList();
        responses.ForEach(r => cache.Store(r));

        Assert.Equal(5, cache.PurgeAll(soft: true));

        Assert.Equal(5, cache.Statistics().Entries);
        Assert.All(responses, r => Assert.False(r.IsFresh(Now)));
        Assert.All(responses, r => Assert.Same(r, Find(cache, r.Key)));
    }

    [Fact]
    public void The_budget_charges_each_entry_for_its_places_in_the_indexes()
    {
        var cache = CreateCache();
        var tagged = Response("http://a.test/path?q", ["one", "two"]);
        var plain = Response("k000");

        cache.Store(tagged);
        cache.Store(plain);

        Assert.Equal(tagged.Size + ResponseCache.PathIndexOverhead + 2 * ResponseCache.TagIndexOverhead, ResponseCache.Charge(tagged));
        Assert.Equal(plain.Size, ResponseCache.Charge(plain));
        Assert.Equal(ResponseCache.Charge(tagged) + ResponseCache.Charge(plain), cache.Statistics().Bytes);
    }

    [Fact]
    public void Eviction_removes_evicted_entries_from_the_indexes()
    {
        var probe = Response("http://a.test/p00?i=000", ["t0", "shared"]);
        var cache = CreateCache(ResponseCache.Charge(probe) * 10);

        for (var i = 0; i < 200; i++)
        {
            cache.Store(Response($"http://a.test/p{i % 17:D2}?i={i:D3}", [$"t{i % 7}", "shared"]));
        }

        var statistics = cache.Statistics();
        Assert.Equal(10, statistics.Entries);
        Assert.Equal(190, statistics.Evictions);
        var (paths, pathKeys, tags, taggedEntries) = cache.IndexSizes();
        Assert.Equal(10, pathKeys);
        Assert.InRange(paths, 1, 10);
        Assert.Equal(20, taggedEntries);
        Assert.InRange(tags, 2, 8);
        Assert.Equal(10, cache.PurgeTag("shared", soft: false));
        AssertIndexesEmpty(cache);
    }

    [Fact]
    public void Replacing_a_variant_drops_the_old_tags_from_the_index()
    {
        var cache = CreateCache();
        cache.Store(Response("http://a.test/x", ["old"]));
        cache.Store(Response("http://a.test/x", ["new"]));

        Assert.Equal((1, 1, 1, 1), cache.IndexSizes());
        Assert.Equal(0, cache.PurgeTag("old", soft: false));
        Assert.Equal(1, cache.PurgeTag("new", soft: false));
        AssertIndexesEmpty(cache);
    }

    [Fact]
    public void A_url_stays_in_the_path_index_while_any_variant_is_stored()
    {
        var cache = CreateCache();
        var gzip = Response("http://a.test/x", ["g"], GzipRequest);
        var br = Response("http://a.test/x", ["b"], BrRequest);
        cache.Store(gzip);
        cache.Store(br);
        Assert.Equal((1, 1, 2, 2), cache.IndexSizes());

        cache.Remove(gzip);
        Assert.Equal((1, 1, 1, 1), cache.IndexSizes());
        Assert.Equal(1, cache.PurgePath("/x", soft: true));

        cache.Remove(br);
        AssertIndexesEmpty(cache);
        Assert.Equal(0, cache.PurgePath("/x", soft: false));
    }

    [Fact]
    public void Invalidate_and_variant_overflow_keep_the_indexes_consistent()
    {
        var cache = CreateCache();
        for (var i = 0; i <= ResponseCache.MaxVariantsPerKey; i++)
        {
            var request = new HeaderDictionary { [HeaderNames.AcceptEncoding] = i.ToString(CultureInfo.InvariantCulture) };
            cache.Store(Response("http://a.test/v", [$"v{i}"], request));
        }

        Assert.Equal((1, 1, ResponseCache.MaxVariantsPerKey, ResponseCache.MaxVariantsPerKey), cache.IndexSizes());
        Assert.Equal(0, cache.PurgeTag("v0", soft: false));

        Assert.Equal(ResponseCache.MaxVariantsPerKey, cache.Invalidate("http://a.test/v"));
        AssertIndexesEmpty(cache);
    }

    [Fact]
    public void Every_purge_raises_the_epoch()
    {
        var cache = CreateCache();
        Assert.Equal(0, cache.PurgeEpoch);

        cache.PurgeUrl("http://a.test/x", soft: false);
        cache.PurgePath("/x", soft: true);
        cache.PurgePrefix("/", soft: false);
        cache.PurgeTag("t", soft: false);
        cache.PurgeAll(soft: true);
        cache.Invalidate("http://a.test/x");

        Assert.Equal(6, cache.PurgeEpoch);
    }

    public static TheoryData<string> PurgesOfX => ["url", "path", "prefix", "tag", "all"];

    private static void PurgeX(ResponseCache cache, string kind)
    {
        switch (kind)
        {
            case "url": cache.PurgeUrl("http://a.test/x/1?q", soft: false); break;
            case "path": cache.PurgePath("/x/1", soft: false); break;
            case "prefix": cache.PurgePrefix("/x/", soft: true); break;
            case "tag": cache.PurgeTag("t", soft: false); break;
            default: cache.PurgeAll(soft: false); break;
        }
    }

    [Theory]
    [MemberData(nameof(PurgesOfX))]
    public void A_response_fetched_across_a_matching_purge_is_stored_stale(string kind)
    {
        var cache = CreateCache();
        var fetchStarted = cache.PurgeEpoch;
        PurgeX(cache, kind);
        var response = Response("http://a.test/x/1?q", ["t"]);

        Assert.True(cache.Store(response, fetchStarted));

        Assert.Same(response, Find(cache, "http://a.test/x/1?q"));
        Assert.True(response.Invalidated);
        Assert.False(response.IsFresh(Now));
    }

    [Theory]
    [MemberData(nameof(PurgesOfX))]
    public void A_response_fetched_after_a_purge_is_stored_fresh(string kind)
    {
        var cache = CreateCache();
        PurgeX(cache, kind);
        var fetchStarted = cache.PurgeEpoch;
        var response = Response("http://a.test/x/1?q", ["t"]);

        Assert.True(cache.Store(response, fetchStarted));

        Assert.True(response.IsFresh(Now));
    }

    [Fact]
    public void Purges_that_do_not_select_the_response_leave_it_fresh()
    {
        var cache = CreateCache();
        var fetchStarted = cache.PurgeEpoch;
        cache.PurgeUrl("http://a.test/x/1", soft: false);
        cache.PurgeUrl("http://b.test/x/1?q", soft: false);
        cache.PurgePath("/x", soft: false);
        cache.PurgePrefix("/y", soft: false);
        cache.PurgeTag("T", soft: true);
        var response = Response("http://a.test/x/1?q", ["t"]);

        cache.Store(response, fetchStarted);

        Assert.True(response.IsFresh(Now));
    }

    [Fact]
    public void A_fetch_older_than_the_purge_log_counts_as_purged()
    {
        var cache = CreateCache();
        var fetchStarted = cache.PurgeEpoch;
        for (var i = 0; i < PurgeLog.Capacity; i++)
        {
            cache.PurgeUrl("http://a.test/unrelated", soft: false);
        }

        var withinLog = Response("http://a.test/x");
        cache.Store(withinLog, fetchStarted);
        Assert.True(withinLog.IsFresh(Now));

        cache.PurgeUrl("http://a.test/unrelated", soft: false);
        var beyondLog = Response("http://a.test/x");
        cache.Store(beyondLog, fetchStarted);
        Assert.True(beyondLog.Invalidated);

        var recent = Response("http://a.test/x");
        cache.Store(recent, cache.PurgeEpoch - 3);
        Assert.True(recent.IsFresh(Now));
    }

    [Fact]
    public void Store_without_an_epoch_ignores_the_purge_log()
    {
        var cache = CreateCache();
        cache.PurgeAll(soft: false);
        var response = Response("http://a.test/x");

        cache.Store(response);

        Assert.True(response.IsFresh(Now));
    }

    [Fact]
    public async Task Concurrent_stores_and_purges_leave_the_indexes_and_the_budget_consistent()
    {
        var probe = Response("http://h0.test/p0?i=0000", ["t0"]);
        var cache = CreateCache(ResponseCache.Charge(probe) * 50);
        using var start = new ManualResetEventSlim();

        var writers = Enumerable.Range(0, 3).Select(t => Task.Run(() =>
        {
            start.Wait();
            for (var i = 0; i < 2000; i++)
            {
                cache.Store(Response($"http://h{t}.test/p{i % 9}?i={i:D4}", [$"t{i % 5}"]), cache.PurgeEpoch);
            }
        }));
        var purger = Task.Run(() =>
        {
            start.Wait();
            for (var i = 0; i < 500; i++)
            {
                switch (i % 4)
                {
                    case 0: cache.PurgePath($"/p{i % 9}", soft: i % 8 == 0); break;
                    case 1: cache.PurgePrefix("/p1", soft: false); break;
                    case 2: cache.PurgeTag($"t{i % 5}", soft: i % 3 == 0); break;
                    default: cache.PurgeUrl($"http://h0.test/p{i % 9}?i={i:D4}", soft: false); break;
                }
            }
        });

        start.Set();
        await Task.WhenAll([.. writers, purger]);

        var statistics = cache.Statistics();
        var (_, pathKeys, _, taggedEntries) = cache.IndexSizes();
        Assert.True(statistics.Bytes <= statistics.Capacity);
        Assert.Equal(statistics.Entries, pathKeys);
        Assert.Equal(statistics.Entries, taggedEntries);

        Assert.Equal((int)statistics.Entries, cache.PurgeAll(soft: false));
        Assert.Equal(0, cache.Statistics().Bytes);
        AssertIndexesEmpty(cache);
    }
}
