using EdgeCache.Replication.Http;

namespace EdgeCache.Replication.Tests.Http;

public sealed class RequestTargetTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/index.html")]
    [InlineData("/file.name.with.dots/v1.2")]
    [InlineData("/a%20b/caf%C3%A9")]
    [InlineData("/...")]
    [InlineData("/x%2e%2ey")]
    [InlineData("/search")]
    public void Ordinary_paths_pass(string path) => Assert.Null(RequestTarget.FindAttack(path));

    [Theory]
    [InlineData("/a/../etc/passwd", "a dot segment")]
    [InlineData("/a/%2e%2E/etc", "a dot segment")]
    [InlineData("/./x", "a dot segment")]
    [InlineData("/..%2fetc%2fpasswd", "an encoded path separator")]
    [InlineData("/a%5c..%5cb", "an encoded path separator")]
    [InlineData("/a\\..\\b", "a backslash in the path")]
    [InlineData("/%252e%252e/etc", "a double-encoded character")]
    [InlineData("/file%00.txt", "an encoded control character")]
    [InlineData("/a%0d%0aSet-Cookie:x", "an encoded control character")]
    [InlineData("/100%", "a malformed percent-encoding")]
    [InlineData("/a%zz", "a malformed percent-encoding")]
    [InlineData("/a%2", "a malformed percent-encoding")]
    public void Path_attacks_are_named(string path, string attack) => Assert.Equal(attack, RequestTarget.FindAttack(path));

    [Fact]
    public void Checking_a_path_allocates_nothing_as_the_edge_checks_every_request()
    {
        const string ordinary = "/assets/v1.2/app.min.css";
        const string dotted = "/a/%2e%2e/b";
        Assert.Null(RequestTarget.FindAttack(ordinary));
        Assert.NotNull(RequestTarget.FindAttack(dotted));

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            RequestTarget.FindAttack(ordinary);
            RequestTarget.FindAttack(dotted);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("/a/b?x=../..", "/a/b")]
    [InlineData("/a", "/a")]
    [InlineData("/a?", "/a")]
    public void The_path_is_the_target_before_its_query(string target, string path)
        => Assert.Equal(path, RequestTarget.PathOf(target).ToString());
}
