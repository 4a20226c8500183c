using EdgeCache.Edge.Caching;

namespace EdgeCache.Edge.Tests.Caching;

public sealed class PurgeIndexTests
{
    private static List<string> Under(PathIndex index, string path)
    {
        var found = new List<string>();
        index.CopyTo(path, found);
        return found;
    }

    [Fact]
    public void The_path_index_finds_keys_by_their_path_and_prefix()
    {
        var index = new PathIndex();
        index.Add("http://a.test/x?q=1");
        index.Add("https://b.test/x");
        index.Add("http://a.test/y");
        index.Add("http://a.test/y");

        Assert.Equal((2, 3), (index.Paths, index.Keys));
        Assert.Equal(["http://a.test/x?q=1", "https://b.test/x"], Under(index, "/x").Order(StringComparer.Ordinal));
        Assert.Equal(["http://a.test/y"], Under(index, "/y"));
        Assert.Empty(Under(index, "/x?q=1"));
        Assert.Empty(Under(index, "http://a.test/x"));

        var prefixed = new List<string>();
        index.CopyWherePrefix("/x", prefixed);
        Assert.Equal(["http://a.test/x?q=1", "https://b.test/x"], prefixed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Removing_keys_of_a_shared_path_leaves_the_others_and_the_last_removal_empties_the_path()
    {
        var index = new PathIndex();
        index.Add("http://a.test/x?q=1");
        index.Add("http://a.test/x?q=2");
        index.Add("http://a.test/x?q=3");

        index.Remove("http://a.test/x?q=1");
        Assert.Equal(["http://a.test/x?q=2", "http://a.test/x?q=3"], Under(index, "/x").Order(StringComparer.Ordinal));
        index.Remove("http://a.test/x?q=3");
        Assert.Equal(["http://a.test/x?q=2"], Under(index, "/x"));
        Assert.Equal((1, 1), (index.Paths, index.Keys));
        index.Remove("http://a.test/x?q=9");
        index.Remove("http://a.test/x?q=2");
        Assert.Equal((0, 0), (index.Paths, index.Keys));
        Assert.Empty(Under(index, "/x"));
    }

    [Fact]
    public void The_path_index_lets_go_of_a_removed_keys_string()
    {
        var index = new PathIndex();
        var removed = AddTwoAndRemoveFirst(index);

        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.False(removed.IsAlive);
        Assert.Equal(["http://a.test/x?q=2"], Under(index, "/x"));
    }

    [Fact]
    public void Many_paths_survive_the_index_growing()
    {
        var index = new PathIndex();
        for (var i = 0; i < 10_000; i++)
        {
            index.Add($"http://a.test/p/{i}");
            index.Add($"http://a.test/p/{i}?v=2");
        }

        for (var i = 0; i < 10_000; i += 2)
        {
            index.Remove($"http://a.test/p/{i}");
        }

        Assert.Equal((10_000, 15_000), (index.Paths, index.Keys));
        Assert.Equal(["http://a.test/p/4?v=2"], Under(index, "/p/4"));
        Assert.Equal(["http://a.test/p/5", "http://a.test/p/5?v=2"], Under(index, "/p/5").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_key_without_a_path_is_refused()
        => Assert.Throws<ArgumentException>(() => new PathIndex().Add("not-a-url"));

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference AddTwoAndRemoveFirst(PathIndex index)
    {
        var first = string.Concat("http://a.test/x", "?q=1");
        index.Add(first);
        index.Add("http://a.test/x?q=2");
        index.Remove(first);
        return new WeakReference(first);
    }

    [Fact]
    public void Tag_names_are_compared_whole()
    {
        var index = new PurgeIndex<string>();
        index.Add("http://a.test/x".AsSpan(), "v");

        var found = new List<string>();
        index.CopyTo("/x", found);
        Assert.Empty(found);
        index.CopyTo("http://a.test/x", found);
        Assert.Equal(["v"], found);
    }
}
