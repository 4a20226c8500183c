using System.Diagnostics;
using System.Globalization;
using EdgeCache.Edge.Caching;

namespace EdgeCache.Edge.Tests.Caching;

public sealed class EntryTableTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 14, 12, 0, 0, TimeSpan.Zero);

    // The table never reads bodies, so every response shares one.
    private static readonly StoredBody NoBody = StoredBody.CopyOf([], 0);

    private static StoredResponse Response(string key) => new(
        key,
        200,
        [],
        NoBody,
        VaryKey.Empty,
        Now,
        TimeSpan.Zero,
        ReusePolicy.FreshFor(TimeSpan.FromMinutes(1)),
        "edge",
        null);

    private static string Key(int i) => "http://a.test/asset-" + i.ToString(CultureInfo.InvariantCulture) + ".js";

    private static object? Find(EntryTable<CacheEntryKeys> table, string key) => table.TryGetValue(key, out var value) ? value : null;

    private static object? FindBySpan(EntryTable<CacheEntryKeys> table, string key)
    {
        // A copy, so the span is not over the very string the entry holds.
        Span<char> copy = stackalloc char[key.Length];
        key.CopyTo(copy);
        return table.TryGetValue(copy, out var value) ? value : null;
    }

    [Fact]
    public void An_added_entry_is_found_by_its_key_as_a_string_and_as_a_span()
    {
        var table = new EntryTable<CacheEntryKeys>();
        var one = Response("http://a.test/one");
        var two = Response("http://a.test/two");
        table.Set(one);
        table.Set(two);

        Assert.Equal(2, table.Count);
        Assert.Same(one, Find(table, "http://a.test/one"));
        Assert.Same(two, Find(table, "http://a.test/two"));
        Assert.Same(one, FindBySpan(table, "http://a.test/one"));
        Assert.Same(two, FindBySpan(table, "http://a.test/two"));
        Assert.Null(Find(table, "http://a.test/three"));
        Assert.Null(FindBySpan(table, "http://a.test/on"));
        Assert.False(table.TryGetValue(ReadOnlySpan<char>.Empty, out _));
    }

    [Fact]
    public void Variants_are_found_by_the_key_of_their_first_response()
    {
        var table = new EntryTable<CacheEntryKeys>();
        StoredResponse[] variants = [Response("http://a.test/x"), Response("http://a.test/x")];
        table.Set(variants);

        Assert.Same(variants, Find(table, "http://a.test/x"));
        Assert.Same(variants, FindBySpan(table, "http://a.test/x"));
    }

    [Fact]
    public void Setting_a_present_key_replaces_its_entry_in_place()
    {
        var table = new EntryTable<CacheEntryKeys>();
        var first = Response("http://a.test/x");
        var second = Response("http://a.test/x");
        StoredResponse[] both = [second, first];
        table.Set(first);
        var used = table.UsedSlots;

        table.Set(both);
        Assert.Same(both, Find(table, "http://a.test/x"));
        table.Set(second);
        Assert.Same(second, FindBySpan(table, "http://a.test/x"));

        Assert.Equal(1, table.Count);
        Assert.Equal(used, table.UsedSlots);
    }

    [Fact]
    public void A_removed_key_is_not_found_and_the_others_still_are()
    {
        var table = new EntryTable<CacheEntryKeys>();
        for (var i = 0; i < 5; i++)
        {
            table.Set(Response(Key(i)));
        }

        Assert.True(table.Remove(Key(2)));
        Assert.False(table.Remove(Key(2)));
        Assert.False(table.Remove(Key(99)));

        Assert.Equal(4, table.Count);
        Assert.Null(Find(table, Key(2)));
        Assert.Null(FindBySpan(table, Key(2)));
        foreach (var i in (int[])[0, 1, 3, 4])
        {
            Assert.Equal(Key(i), ((StoredResponse)Find(table, Key(i))!).Key);
        }
    }

    [Fact]
    public void A_removed_entry_leaves_its_slot_to_be_taken_again_rather_than_using_up_empty_ones()
    {
        var table = new EntryTable<CacheEntryKeys>();
        for (var i = 0; i < 4; i++)
        {
            table.Set(Response(Key(i)));
        }

        var capacity = table.Capacity;
        var used = table.UsedSlots;
        for (var round = 0; round < 1_000; round++)
        {
            Assert.True(table.Remove(Key(1)));
            table.Set(Response(Key(1)));
        }

        Assert.Equal((4, capacity, used), (table.Count, table.Capacity, table.UsedSlots));
        for (var i = 0; i < 4; i++)
        {
            Assert.NotNull(Find(table, Key(i)));
        }
    }

    [Fact]
    public void A_removal_inside_a_run_leaves_a_mark_the_next_add_takes_and_one_at_its_end_gives_the_slots_back()
    {
        var table = new EntryTable<CacheEntryKeys>();
        var run = Enumerable.Range(0, 100_000)
            .Select(i => "http://b.test/" + i.ToString(CultureInfo.InvariantCulture))
            .Where(key => table.HomeOf(key) == 5)
            .Take(4)
            .ToList();
        foreach (var key in run.Take(3))
        {
            table.Set(Response(key));
        }

        Assert.Equal(3, table.UsedSlots);
        Assert.True(table.Remove(run[1]));
        Assert.Equal(3, table.UsedSlots);
        Assert.NotNull(Find(table, run[2]));

        // The fourth key's probe passes the mark before the empty slot after the run, and takes it.
        table.Set(Response(run[3]));
        Assert.Equal(3, table.UsedSlots);

        Assert.True(table.Remove(run[3]));
        Assert.True(table.Remove(run[2]));
        Assert.Equal(1, table.UsedSlots);
        Assert.NotNull(FindBySpan(table, run[0]));
        Assert.Null(FindBySpan(table, run[2]));

        Assert.True(table.Remove(run[0]));
        Assert.Equal((0, 0), (table.Count, table.UsedSlots));
    }

    [Fact]
    public void Churn_through_removed_slots_rebuilds_the_table_at_the_size_of_its_live_entries()
    {
        var table = new EntryTable<CacheEntryKeys>();
        const int Live = 1_000;
        for (var i = 0; i < Live; i++)
        {
            table.Set(Response(Key(i)));
        }

        // A cache at its budget: each new key comes in as the oldest goes.
        for (var i = Live; i < 50 * Live; i++)
        {
            Assert.True(table.Remove(Key(i - Live)));
            table.Set(Response(Key(i)));
        }

        Assert.Equal(Live, table.Count);
        Assert.InRange(table.Capacity, Live * 4 / 3, Live * 5 / 3);
        for (var i = 49 * Live; i < 50 * Live; i++)
        {
            Assert.NotNull(FindBySpan(table, Key(i)));
        }

        Assert.Null(Find(table, Key((49 * Live) - 1)));
    }

    [Fact]
    public void A_rebuild_copies_a_few_slots_per_write_and_every_key_stays_found_replaced_and_removable_meanwhile()
    {
        var table = new EntryTable<CacheEntryKeys>();
        const int Live = 10_000;
        var responses = new Dictionary<string, StoredResponse>();
        for (var i = 0; i < Live; i++)
        {
            responses[Key(i)] = Response(Key(i));
            table.Set(responses[Key(i)]);
        }

        // Churn as a full cache does until a rebuild starts.
        var next = Live;
        while (!table.Draining)
        {
            Assert.True(table.Remove(Key(next - Live)));
            responses.Remove(Key(next - Live));
            responses[Key(next)] = Response(Key(next));
            table.Set(responses[Key(next)]);
            next++;
        }

        // The write that started it did not copy the table: the new array holds a few entries yet.
        Assert.InRange(table.UsedSlots, 1, Live / 10);
        Assert.Equal(Live, table.Count);
        Assert.Equal(responses.Keys.Order(StringComparer.Ordinal), table.Entries().Select(KeyOf).Order(StringComparer.Ordinal));
        foreach (var (key, response) in responses)
        {
            Assert.Same(response, FindBySpan(table, key));
        }

        // While it drains: replace and remove keys (most not copied yet), add new ones.
        var writes = 0;
        var live = responses.Keys.Order(StringComparer.Ordinal).ToList();
        for (var i = 0; i < 100; i++)
        {
            var replaced = Response(live[i * 7]);
            table.Set(replaced);
            responses[live[i * 7]] = replaced;
            Assert.True(table.Remove(live[(i * 7) + 3]));
            Assert.False(table.Remove(live[(i * 7) + 3]));
            responses.Remove(live[(i * 7) + 3]);
            writes += 3;
        }

        Assert.True(table.Draining, "the drain ended sooner than a few slots per write would");
        Assert.Equal(responses.Count, table.Count);
        foreach (var (key, response) in responses)
        {
            Assert.Same(response, Find(table, key));
        }

        Assert.Equal(responses.Keys.Order(StringComparer.Ordinal), table.Entries().Select(KeyOf).Order(StringComparer.Ordinal));
        for (var i = 0; i < 100; i++)
        {
            Assert.Null(Find(table, live[(i * 7) + 3]));
        }

        // Writes go on until it is drained, well before the new array would need a rebuild of its own.
        while (table.Draining && writes < Live)
        {
            responses[Key(next)] = Response(Key(next));
            table.Set(responses[Key(next)]);
            next++;
            writes++;
        }

        Assert.False(table.Draining);
        Assert.Equal(responses.Count, table.Count);
        Assert.Equal(table.Count, table.Entries().Count());
        foreach (var (key, response) in responses)
        {
            Assert.Same(response, FindBySpan(table, key));
        }
    }

    [Fact]
    public void A_hundred_thousand_keys_survive_every_rebuild_on_the_way_and_half_of_them_a_shrink()
    {
        var table = new EntryTable<CacheEntryKeys>();
        const int Keys = 100_000;
        var responses = new StoredResponse[Keys];
        for (var i = 0; i < Keys; i++)
        {
            responses[i] = Response(Key(i));
            table.Set(responses[i]);
        }

        Assert.Equal(Keys, table.Count);
        // Between three quarters and three fifths full.
        Assert.InRange(table.Capacity, Keys * 4 / 3, Keys * 5 / 3);
        for (var i = 0; i < Keys; i++)
        {
            Assert.Same(responses[i], Find(table, Key(i)));
        }

        for (var i = 0; i < Keys; i += 2)
        {
            Assert.True(table.Remove(Key(i)));
        }

        for (var i = 0; i < Keys; i++)
        {
            Assert.Equal(i % 2 == 0 ? null : responses[i], FindBySpan(table, Key(i)));
        }

        for (var i = 1; i < Keys - 100; i += 2)
        {
            Assert.True(table.Remove(Key(i)));
        }

        Assert.Equal(50, table.Count);
        Assert.InRange(table.Capacity, EntryTable<CacheEntryKeys>.MinimumCapacity, 50 * 8);
        for (var i = Keys - 99; i < Keys; i += 2)
        {
            Assert.Same(responses[i], Find(table, Key(i)));
        }
    }

    [Fact]
    public void An_emptied_table_shrinks_to_its_least_and_takes_entries_again()
    {
        var table = new EntryTable<CacheEntryKeys>();
        for (var i = 0; i < 1_000; i++)
        {
            table.Set(Response(Key(i)));
        }

        for (var i = 0; i < 1_000; i++)
        {
            Assert.True(table.Remove(Key(i)));
        }

        Assert.Equal((0, EntryTable<CacheEntryKeys>.MinimumCapacity), (table.Count, table.Capacity));
        table.Set(Response(Key(7)));
        Assert.NotNull(Find(table, Key(7)));
    }

    [Fact]
    public void A_run_that_wraps_past_the_last_slot_and_spans_several_tag_groups_is_found_throughout()
    {
        var table = new EntryTable<CacheEntryKeys>();
        var fillers = 0;
        // Until there is room for the run without another rebuild (which would move every home).
        while (table.Capacity < 256 || (table.Capacity * 3 / 4) - table.UsedSlots < 30)
        {
            table.Set(Response(Key(fillers++)));
        }

        var capacity = table.Capacity;
        var colliding = Enumerable.Range(0, 100_000)
            .Select(i => "http://b.test/" + i.ToString(CultureInfo.InvariantCulture))
            .Where(key => table.HomeOf(key) == capacity - 3)
            .Take(25)
            .ToList();
        Assert.Equal(25, colliding.Count);
        foreach (var key in colliding.Take(24))
        {
            table.Set(Response(key));
        }

        Assert.Equal(capacity, table.Capacity);
        foreach (var key in colliding.Take(24))
        {
            Assert.NotNull(Find(table, key));
            Assert.NotNull(FindBySpan(table, key));
        }

        Assert.Null(Find(table, colliding[24]));
        for (var i = 0; i < 24; i += 3)
        {
            Assert.True(table.Remove(colliding[i]));
        }

        for (var i = 0; i < 24; i++)
        {
            Assert.Equal(i % 3 != 0, FindBySpan(table, colliding[i]) is not null);
        }

        for (var i = 0; i < fillers; i++)
        {
            Assert.NotNull(Find(table, Key(i)));
        }
    }

    [Fact]
    public void A_run_longer_than_the_flood_limit_turns_the_table_to_marvin_and_keeps_every_entry()
    {
        // Runs of three happen by chance among a few hundred keys, so this table turns.
        var table = new EntryTable<CacheEntryKeys>(floodRun: 2);
        Assert.False(table.Randomized);
        for (var i = 0; i < 500; i++)
        {
            table.Set(Response(Key(i)));
        }

        Assert.True(table.Randomized);
        for (var i = 0; i < 500; i += 2)
        {
            Assert.True(table.Remove(Key(i)));
        }

        for (var i = 0; i < 500; i++)
        {
            Assert.Equal(i % 2 == 1, Find(table, Key(i)) is not null);
            Assert.Equal(i % 2 == 1, FindBySpan(table, Key(i)) is not null);
        }

        Assert.True(table.Randomized);
    }

    [Fact]
    public void An_ordinary_table_keeps_the_fast_hash()
    {
        var table = new EntryTable<CacheEntryKeys>();
        for (var i = 0; i < 100_000; i++)
        {
            table.Set(Response(Key(i)));
        }

        Assert.False(table.Randomized);
    }

    [Fact]
    public void The_key_hash_of_a_string_and_of_a_span_over_other_equal_chars_agree()
    {
        for (var length = 0; length <= 300; length++)
        {
            var key = new string('k', length);
            Assert.Equal(KeyHash.Of(key), KeyHash.Of(key.ToCharArray()));
        }
    }

    [Fact]
    public void The_key_hash_reads_every_char_and_the_length_at_every_length()
    {
        // A char a block misses, or a read past the end standing in for one, shows as an unchanged hash.
        var chars = new char[301];
        for (var length = 0; length <= 300; length++)
        {
            Array.Fill(chars, 'a');
            var hash = KeyHash.Of(chars.AsSpan(0, length));
            Assert.NotEqual(hash, KeyHash.Of(chars.AsSpan(0, length + 1)));
            for (var position = 0; position < length; position++)
            {
                chars[position] = 'b';
                Assert.NotEqual(hash, KeyHash.Of(chars.AsSpan(0, length)));
                chars[position] = 'a';
            }

            chars[length] = 'b';
            Assert.Equal(hash, KeyHash.Of(chars.AsSpan(0, length)));
        }
    }

    [Fact]
    public void What_is_not_an_entry_is_refused()
    {
        var table = new EntryTable<CacheEntryKeys>();
        Assert.Throws<ArgumentException>(() => table.Set(Array.Empty<StoredResponse>()));
        Assert.Throws<ArgumentException>(() => table.Set("http://a.test/x"));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Finding_allocates_nothing()
    {
        var table = new EntryTable<CacheEntryKeys>();
        for (var i = 0; i < 100; i++)
        {
            table.Set(Response(Key(i)));
        }

        var key = Key(42).AsSpan();
        var missing = Key(420).AsSpan();
        table.TryGetValue(key, out _);
        table.TryGetValue(missing, out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var found = table.TryGetValue(key, out _);
        var missed = table.TryGetValue(missing, out _);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal((true, false, 0L), (found, missed, allocated));
    }

    [Fact]
    public async Task Readers_without_a_lock_always_find_present_keys_while_a_writer_adds_removes_and_rebuilds()
    {
        var table = new EntryTable<CacheEntryKeys>();
        const int Present = 512;
        for (var i = 0; i < Present; i++)
        {
            table.Set(Response(Key(i)));
        }

        // Each round grows the table through several rebuilds with other keys, replaces the
        // present keys' entries, then removes the others so it shrinks back.
        const int Rounds = 6;
        const int Others = 20_000;
        var deadline = Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds(30);
        var writing = true;
        using var reading = new CountdownEvent(2);

        // Threads of their own, so that waiting for the readers cannot starve the pool they run on.
        var readers = Enumerable.Range(0, 2).Select(seed => Task.Factory.StartNew(() =>
        {
            var misses = 0;
            var lookups = 0L;
            // Bounded by count and time too, in case the writer fails.
            while (Volatile.Read(ref writing) && lookups < 200_000_000 && deadline.Elapsed < limit)
            {
                for (var i = seed; i < Present; i += 2)
                {
                    var key = Key(i);
                    if (!table.TryGetValue(key.AsSpan(), out var value) || KeyOf(value) != key)
                    {
                        misses++;
                    }

                    lookups++;
                }

                if (lookups == (Present + 1 - seed) / 2)
                {
                    reading.Signal();
                }
            }

            return (misses, lookups);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        var writer = Task.Factory.StartNew(() =>
        {
            try
            {
                // Started once both readers are, so the writes overlap the reads.
                Assert.True(reading.Wait(limit));
                for (var round = 0; round < Rounds; round++)
                {
                    for (var i = 0; i < Others; i++)
                    {
                        table.Set(Response(Key(Present + i)));
                        if (i % 64 == 0)
                        {
                            var replaced = Key(i % Present);
                            table.Set(i % 128 == 0 ? Response(replaced) : (StoredResponse[])[Response(replaced), Response(replaced)]);
                        }
                    }

                    for (var i = 0; i < Others; i++)
                    {
                        Assert.True(table.Remove(Key(Present + i)));
                    }
                }
            }
            finally
            {
                Volatile.Write(ref writing, false);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        await writer;
        var results = await Task.WhenAll(readers);

        Assert.All(results, result => Assert.Equal(0, result.misses));
        Assert.All(results, result => Assert.True(result.lookups > 0));
        Assert.Equal(Present, table.Count);
        Assert.InRange(table.Capacity, Present * 4 / 3, Present * 9);
    }

    private static string KeyOf(object? entry) => entry switch
    {
        StoredResponse one => one.Key,
        StoredResponse[] many => many[0].Key,
        _ => string.Empty,
    };
}
