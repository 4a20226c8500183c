using EdgeCache.Edge.Http;

namespace EdgeCache.Edge.Tests.Http;

public sealed class ByteRangeTests
{
    [Theory]
    [InlineData(0, 100, 1000, 99, "bytes 0-99/1000")]
    [InlineData(999, 1, 1000, 999, "bytes 999-999/1000")]
    [InlineData(0, 9223372036854775807, 9223372036854775807, 9223372036854775806, "bytes 0-9223372036854775806/9223372036854775807")]
    public void End_is_inclusive_and_Content_Range_spells_it(long start, long length, long completeLength, long end, string contentRange)
    {
        var range = new ByteRange(start, length);

        Assert.Equal(end, range.End);
        Assert.Equal(contentRange, range.ContentRange(completeLength));
    }

    [Theory]
    [InlineData(1000, "bytes */1000")]
    [InlineData(0, "bytes */0")]
    public void The_unsatisfied_form_has_only_the_length(long completeLength, string contentRange)
    {
        Assert.Equal(contentRange, ByteRange.UnsatisfiedContentRange(completeLength));
    }
}
