using System.ComponentModel;
using EdgeCache.Edge.Hosting;
using Microsoft.Extensions.Configuration;

namespace EdgeCache.Edge.Tests.Hosting;

public sealed class ByteSizeTests
{
    [Theory]
    [InlineData("256MB", 256L * 1024 * 1024)]
    [InlineData("1.5GB", 1536L * 1024 * 1024)]
    [InlineData("64k", 64L * 1024)]
    [InlineData("1048576", 1048576L)]
    [InlineData("512 KiB", 512L * 1024)]
    [InlineData("256mb", 256L * 1024 * 1024)]
    [InlineData("2gib", 2L * 1024 * 1024 * 1024)]
    [InlineData("100b", 100L)]
    [InlineData("1T", 1L << 40)]
    [InlineData("0", 0L)]
    [InlineData("  32MB  ", 32L * 1024 * 1024)]
    [InlineData("0.5KB", 512L)]
    public void Parses_sizes_with_binary_units(string text, long expected)
    {
        Assert.Equal(expected, ByteSize.Parse(text).Bytes);
        Assert.True(ByteSize.TryParse(text, out var size));
        Assert.Equal(expected, size.Bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("abc")]
    [InlineData("MB")]
    [InlineData("-1MB")]
    [InlineData("-1")]
    [InlineData("12XB")]
    [InlineData("12 PB")]
    [InlineData("1e3")]
    [InlineData("1,5MB")]
    [InlineData("1.2.3MB")]
    public void Rejects_text_that_is_not_a_size(string text)
    {
        Assert.False(ByteSize.TryParse(text, out var size));
        Assert.Equal(default, size);
        var error = Assert.Throws<FormatException>(() => ByteSize.Parse(text));
        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8388609TB")]
    [InlineData("10000000000000000000")]
    public void Rejects_sizes_far_beyond_long_MaxValue(string text)
    {
        Assert.False(ByteSize.TryParse(text, out _));
    }

    [Fact]
    public void Accepts_long_MaxValue_written_out()
    {
        Assert.Equal(long.MaxValue, ByteSize.Parse("9223372036854775807").Bytes);
    }

    [Theory]
    [InlineData("8388608TB")]
    [InlineData("9223372036854775808")]
    public void Rejects_a_size_of_exactly_2_to_the_63_bytes(string text)
    {
        Assert.False(ByteSize.TryParse(text, out _));
    }

    [Fact]
    public void TryParse_rejects_null()
    {
        Assert.False(ByteSize.TryParse(null, out _));
    }

    [Theory]
    [InlineData(3L << 30, "3GB")]
    [InlineData(5L << 20, "5MB")]
    [InlineData(7L << 10, "7KB")]
    [InlineData(1536L, "1536B")]
    [InlineData(0L, "0B")]
    [InlineData((1L << 30) + (1L << 20), "1025MB")]
    public void ToString_uses_the_largest_exact_unit(long bytes, string expected)
    {
        Assert.Equal(expected, new ByteSize(bytes).ToString());
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(1023L)]
    [InlineData(1024L)]
    [InlineData(1536L)]
    [InlineData(256L << 20)]
    [InlineData((1L << 30) + 1)]
    [InlineData(40L << 30)]
    [InlineData(123_456_789_012L)]
    public void ToString_round_trips_through_Parse(long bytes)
    {
        var size = new ByteSize(bytes);

        Assert.Equal(size, ByteSize.Parse(size.ToString()));
    }

    [Fact]
    public void The_type_converter_reads_strings()
    {
        var converter = TypeDescriptor.GetConverter(typeof(ByteSize));

        Assert.True(converter.CanConvertFrom(typeof(string)));
        Assert.Equal(new ByteSize(64L << 20), converter.ConvertFromInvariantString("64MB"));
    }

    [Fact]
    public void Configuration_binds_CacheSize_from_text()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Edge:CacheSize"] = "64MB",
                ["Edge:MaxObjectSize"] = "512 KiB",
            })
            .Build();

        var options = configuration.GetSection("Edge").Get<EdgeOptions>();

        Assert.NotNull(options);
        Assert.Equal(64L * 1024 * 1024, options.CacheSize.Bytes);
        Assert.Equal(512L * 1024, options.MaxObjectSize.Bytes);
    }

    [Fact]
    public void Configuration_binding_leaves_the_default_when_the_size_is_absent()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Edge:Id"] = "edge-1" })
            .Build();

        var options = configuration.GetSection("Edge").Get<EdgeOptions>();

        Assert.NotNull(options);
        Assert.Equal("edge-1", options.Id);
        Assert.Equal(new EdgeOptions().CacheSize, options.CacheSize);
    }

    [Fact]
    public void Configuration_binding_fails_on_an_invalid_size()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Edge:CacheSize"] = "lots" })
            .Build();

        Assert.ThrowsAny<InvalidOperationException>(() => configuration.GetSection("Edge").Get<EdgeOptions>());
    }
}
