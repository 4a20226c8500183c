using EdgeCache.Edge.Caching;

namespace EdgeCache.Edge.Tests.Caching;

public sealed class PurgeIndexTests
{
    private static List<string> Under(PurgeIndex<string> index, string path)
    {
        var found = new List<string>();
        index.CopyTo(path, found);
        return found;
    }

    [Fact]
    public void The_path_index_finds_keys_by_their_path_without_a_path_string()
    {
        var index = new PurgeIndex<string>(IndexNameComparer.PathOfKey);
        index.Add("http://a.test/x?q=1", "http://a.test/x?q=1");
        index.Add("https://b.test/x", "https://b.test/x");
        index.Add("http://a.test/y", "http://a.test/y");

        Assert.Equal(2, index.Names);
        Assert.Equal(3, index.Values);
        Assert.Equal(["http://a.test/x?q=1", "https://b.test/x"], Under(index, "/x").Order(StringComparer.Ordinal));
        Assert.Equal(["http://a.test/y"], Under(index, "/y"));
        Assert.Empty(Under(index, "/x?q=1"));
        Assert.Empty(Under(index, "http://a.test/x"));

        var prefixed = new List<string>();
        index.CopyWherePrefix("/x", prefixed);
        Assert.Equal(2, prefixed.Count);
    }

    [Fact]
    public void Removing_the_key_whose_string_names_a_path_keys_the_path_on_a_remaining_one()
    {
        var first = "http://a.test/x?q=1";
        var second = "http://a.test/x?q=2";
        var index = new PurgeIndex<string>(IndexNameComparer.PathOfKey);
        index.Add(first, first);
        index.Add(second, second);

        index.Remove("/x", first);

        Assert.Equal([second], Under(index, "/x"));
        Assert.Equal((1, 1), (index.Names, index.Values));
        index.Remove("/x", second);
        Assert.Equal((0, 0), (index.Names, index.Values));
    }

    [Fact]
    public void The_path_index_lets_go_of_a_removed_keys_string()
    {
        var index = new PurgeIndex<string>(IndexNameComparer.PathOfKey);
        var removed = AddTwoAndRemoveFirst(index);

        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.False(removed.IsAlive);
        Assert.Equal(["http://a.test/x?q=2"], Under(index, "/x"));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference AddTwoAndRemoveFirst(PurgeIndex<string> index)
    {
        var first = string.Concat("http://a.test/x", "?q=1");
        index.Add(first, first);
        index.Add("http://a.test/x?q=2", "http://a.test/x?q=2");
        index.Remove("/x", first);
        return new WeakReference(first);
    }

    [Fact]
    public void The_path_index_creates_no_names_from_paths()
    {
        var index = new PurgeIndex<string>(IndexNameComparer.PathOfKey);

        Assert.Throws<NotSupportedException>(() => index.Add("/x".AsSpan(), "http://a.test/x"));
    }

    [Fact]
    public void Tag_names_are_compared_whole()
    {
        var index = new PurgeIndex<string>();
        index.Add("http://a.test/x".AsSpan(), "v");

        Assert.Empty(Under(index, "/x"));
        Assert.Equal(["v"], Under(index, "http://a.test/x"));
    }
}
