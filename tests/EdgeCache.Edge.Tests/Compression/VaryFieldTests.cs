using EdgeCache.Edge.Compression;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Tests.Compression;

public sealed class VaryFieldTests
{
    [Theory]
    [InlineData(null, "Accept-Encoding")]
    [InlineData("", "Accept-Encoding")]
    [InlineData("Origin", "Origin, Accept-Encoding")]
    [InlineData("Origin, accept-encoding", "Origin, accept-encoding")]
    [InlineData("*", "*")]
    [InlineData("Accept-Encoding-Extra", "Accept-Encoding-Extra, Accept-Encoding")]
    public void Accept_encoding_is_added_once_and_star_stays_star(string? vary, string expected)
        => Assert.Equal(expected, VaryField.WithAcceptEncoding(vary is null ? StringValues.Empty : vary).ToString());

    [Fact]
    public void Several_field_lines_are_searched_and_kept()
    {
        Assert.Equal(new StringValues(["Origin", " Accept-Encoding "]), VaryField.WithAcceptEncoding(new StringValues(["Origin", " Accept-Encoding "])));
        Assert.Equal("Origin,Accept-Language, Accept-Encoding", VaryField.WithAcceptEncoding(new StringValues(["Origin", "Accept-Language"])).ToString());
    }
}
