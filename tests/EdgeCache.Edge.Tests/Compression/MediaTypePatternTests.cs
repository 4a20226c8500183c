using EdgeCache.Edge.Compression;

namespace EdgeCache.Edge.Tests.Compression;

public sealed class MediaTypePatternTests
{
    [Theory]
    [InlineData("text/html", "text/html; charset=utf-8", true)]
    [InlineData("text/html", "TEXT/HTML", true)]
    [InlineData("text/html", "text/htmlx", false)]
    [InlineData("text/*", "text/css", true)]
    [InlineData("text/*", " text/plain ;charset=utf-8", true)]
    [InlineData("text/*", "text/", false)]
    [InlineData("text/*", "textual/css", false)]
    [InlineData("application/*+json", "application/problem+json", true)]
    [InlineData("application/*+json", "application/+json", false)]
    [InlineData("application/*+json", "application/json", false)]
    [InlineData("application/*+xml", "image/svg+xml", false)]
    public void Patterns_match_whole_types_and_suffixes(string pattern, string contentType, bool expected)
        => Assert.Equal(expected, MediaTypePattern.Matches(pattern, contentType));

    [Theory]
    [InlineData("text/html", true)]
    [InlineData("text/*", true)]
    [InlineData("application/*+json", true)]
    [InlineData("*/*", false)]
    [InlineData("text", false)]
    [InlineData("text/", false)]
    [InlineData("/html", false)]
    [InlineData("text/html; charset=utf-8", false)]
    [InlineData("text/h*", false)]
    [InlineData("application/*json", false)]
    [InlineData("", false)]
    public void Only_the_three_pattern_forms_are_valid(string pattern, bool expected)
        => Assert.Equal(expected, MediaTypePattern.IsValid(pattern));
}
