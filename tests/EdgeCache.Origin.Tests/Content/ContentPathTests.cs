using EdgeCache.Origin.Content;

namespace EdgeCache.Origin.Tests.Content;

public sealed class ContentPathTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/index.html")]
    [InlineData("/img/a.png")]
    [InlineData("/a/b/c/d.txt")]
    [InlineData("/dir/")]
    [InlineData("/.well-known/security.txt")]
    [InlineData("/file.name.with.dots")]
    [InlineData("/...")]
    [InlineData("/..a/b..")]
    [InlineData("/my%20file.txt")]
    [InlineData("/%2ex")]
    [InlineData("/caf\u00e9/\u65e5\u672c.txt")]
    [InlineData("/a b/c+d=e&f;g")]
    public void Valid_paths_are_accepted_unchanged(string raw)
    {
        Assert.True(ContentPath.TryNormalize(raw, out var path, out var error), error);
        Assert.Equal(raw, path);
        Assert.Equal(string.Empty, error);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a/b", "start with '/'")]
    [InlineData("img/a.png", "start with '/'")]
    [InlineData("/a\0b", "NUL")]
    [InlineData("/a\nb", "control")]
    [InlineData("/a\rb", "control")]
    [InlineData("/a\tb", "control")]
    [InlineData("/a\u007fb", "control")]
    [InlineData("/a\u0085b", "control")]
    [InlineData("/a\\b", "backslash")]
    [InlineData("\\a", "start with '/'")]
    [InlineData("/..", "'..' segment")]
    [InlineData("/../etc/passwd", "'..' segment")]
    [InlineData("/a/../b", "'..' segment")]
    [InlineData("/a/..", "'..' segment")]
    [InlineData("/.", "'.' segment")]
    [InlineData("/a/./b", "'.' segment")]
    [InlineData("//a", "empty segment")]
    [InlineData("/a//b", "empty segment")]
    [InlineData("/a/b//", "empty segment")]
    [InlineData("/a%2fb", "slash (%2F)")]
    [InlineData("/a%2Fb", "slash (%2F)")]
    [InlineData("/a%5cb", "backslash (%5C)")]
    [InlineData("/a%5Cb", "backslash (%5C)")]
    [InlineData("/%2e%2e/etc", "dot segment")]
    [InlineData("/a/%2E%2E/b", "dot segment")]
    [InlineData("/a/.%2e/b", "dot segment")]
    [InlineData("/a/%2e./b", "dot segment")]
    [InlineData("/a/%2e/b", "dot segment")]
    [InlineData("/x%2E%2ey", "dot segment")]
    [InlineData("/a%00", "NUL (%00)")]
    [InlineData("/a?b", "'?'")]
    [InlineData("/a#b", "'#'")]
    public void Bad_paths_are_rejected_with_a_reason(string raw, string reason)
    {
        Assert.False(ContentPath.TryNormalize(raw, out var path, out var error));
        Assert.Equal(string.Empty, path);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unpaired_surrogate_is_rejected()
    {
        // Built at run time: attribute arguments would not keep a lone surrogate intact.
        var raw = "/a" + (char)0xD800 + "b";

        Assert.False(ContentPath.TryNormalize(raw, out _, out var error));
        Assert.Contains("Unicode", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_is_rejected()
    {
        Assert.False(ContentPath.TryNormalize(null, out _, out var error));
        Assert.Contains("empty", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_limit_is_2048_utf8_bytes()
    {
        var longest = "/" + new string('a', ContentPath.MaxBytes - 1);
        Assert.True(ContentPath.TryNormalize(longest, out _, out _));

        Assert.False(ContentPath.TryNormalize(longest + "a", out _, out var error));
        Assert.Contains("2048 bytes", error, StringComparison.Ordinal);

        // 1024 two-byte characters fit in 2048 chars but not in 2048 bytes.
        var wide = "/" + new string('\u00e9', 1024);
        Assert.False(ContentPath.TryNormalize(wide, out _, out error));
        Assert.Contains("2048 bytes", error, StringComparison.Ordinal);
    }
}
