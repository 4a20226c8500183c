using System.Buffers;
using System.Globalization;
using System.Text;
using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Http;

namespace EdgeCache.Edge.Tests.Http;

public sealed class MultipartByteRangesTests
{
    private const string Prefix = "multipart/byteranges; boundary=";

    private static string BoundaryOf(MultipartByteRanges multipart)
    {
        Assert.StartsWith(Prefix, multipart.ContentType, StringComparison.Ordinal);
        return multipart.ContentType[Prefix.Length..];
    }

    private static async Task<byte[]> WriteAsync(MultipartByteRanges multipart, byte[] representation)
    {
        using var destination = new MemoryStream();
        await multipart.WriteAsync(
            destination,
            (range, cancellationToken) => destination.WriteAsync(representation.AsMemory((int)range.Start, (int)range.Length), cancellationToken),
            CancellationToken.None);
        return destination.ToArray();
    }

    [Fact]
    public async Task Two_parts_are_framed_exactly()
    {
        var representation = Encoding.ASCII.GetBytes("abcdefghij");
        var multipart = new MultipartByteRanges([new ByteRange(0, 2), new ByteRange(5, 2)], "text/plain", 10);
        var boundary = BoundaryOf(multipart);

        var written = await WriteAsync(multipart, representation);

        var expected =
            $"--{boundary}\r\n" +
            "Content-Type: text/plain\r\n" +
            "Content-Range: bytes 0-1/10\r\n" +
            "\r\n" +
            "ab" +
            $"\r\n--{boundary}\r\n" +
            "Content-Type: text/plain\r\n" +
            "Content-Range: bytes 5-6/10\r\n" +
            "\r\n" +
            "fg" +
            $"\r\n--{boundary}--\r\n";
        Assert.Equal(expected, Encoding.ASCII.GetString(written));
        Assert.Equal(written.Length, multipart.ContentLength);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task Parts_have_no_Content_Type_when_the_representation_has_none(string? contentType)
    {
        var representation = Encoding.ASCII.GetBytes("abcdefghij");
        var multipart = new MultipartByteRanges([new ByteRange(9, 1), new ByteRange(0, 1)], contentType, 10);
        var boundary = BoundaryOf(multipart);

        var written = await WriteAsync(multipart, representation);

        var expected =
            $"--{boundary}\r\nContent-Range: bytes 9-9/10\r\n\r\nj" +
            $"\r\n--{boundary}\r\nContent-Range: bytes 0-0/10\r\n\r\na" +
            $"\r\n--{boundary}--\r\n";
        Assert.Equal(expected, Encoding.ASCII.GetString(written));
        Assert.Equal(written.Length, multipart.ContentLength);
    }

    [Fact]
    public void The_boundary_is_a_fresh_token_of_at_least_16_characters()
    {
        ByteRange[] ranges = [new ByteRange(0, 1), new ByteRange(2, 1)];
        var first = BoundaryOf(new MultipartByteRanges(ranges, null, 3));
        var second = BoundaryOf(new MultipartByteRanges(ranges, null, 3));

        Assert.True(first.Length is >= 16 and <= 70, first);
        Assert.All(first, c => Assert.True(char.IsAsciiLetterOrDigit(c), first));
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task A_non_ASCII_content_type_is_counted_in_bytes()
    {
        var multipart = new MultipartByteRanges([new ByteRange(0, 1), new ByteRange(2, 1)], "text/plain; title=\u00e9t\u00e9", 3);

        var written = await WriteAsync(multipart, [1, 2, 3]);

        Assert.Equal(written.Length, multipart.ContentLength);
    }

    [Fact]
    public async Task Parts_read_back_with_their_Content_Range_and_bytes_across_chunks_of_a_stored_body()
    {
        const int Chunk = CacheFill.ChunkSize;
        var length = (3 * Chunk) + 123;
        var representation = TestBytes.Pattern(length);
        var chunks = new List<byte[]>();
        for (var offset = 0; offset < length; offset += Chunk)
        {
            var chunk = ArrayPool<byte>.Shared.Rent(Chunk);
            representation.AsSpan(offset, Math.Min(Chunk, length - offset)).CopyTo(chunk);
            chunks.Add(chunk);
        }

        var body = StoredBody.Adopt(chunks, length);
        ByteRange[] ranges = [new(Chunk - 10, 20), new(0, 1), new(Chunk + 5, (2 * Chunk) + 100), new(length - 1, 1)];
        var multipart = new MultipartByteRanges(ranges, "application/octet-stream", length);
        using var destination = new MemoryStream();
        var seen = new List<ByteRange>();

        await multipart.WriteAsync(
            destination,
            (range, cancellationToken) =>
            {
                seen.Add(range);
                return body.WriteRangeAsync(destination, range.Start, range.Length, cancellationToken);
            },
            CancellationToken.None);
        body.Release();

        var written = destination.ToArray();
        Assert.Equal(written.Length, multipart.ContentLength);
        Assert.Equal(ranges, seen);

        var parts = ReadParts(written, BoundaryOf(multipart));
        Assert.Equal(ranges.Length, parts.Count);
        for (var i = 0; i < ranges.Length; i++)
        {
            var (headers, content) = parts[i];
            Assert.Equal("application/octet-stream", headers["Content-Type"]);
            Assert.Equal(ranges[i].ContentRange(length), headers["Content-Range"]);
            Assert.Equal(representation.AsSpan((int)ranges[i].Start, (int)ranges[i].Length).ToArray(), content);
        }
    }

    [Fact]
    public void Ranges_must_be_present_non_empty_and_inside_the_representation()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultipartByteRanges([], null, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultipartByteRanges([new ByteRange(0, 1), new ByteRange(5, 0)], null, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultipartByteRanges([new ByteRange(0, 1), new ByteRange(5, 6)], null, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultipartByteRanges([new ByteRange(-1, 1), new ByteRange(5, 1)], null, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultipartByteRanges([new ByteRange(10, 1), new ByteRange(5, 1)], null, 10));
    }

    /// <summary>
    /// A plain RFC 2046 reader that splits on the delimiter alone, so it checks the framing
    /// independently of the lengths the writer put in Content-Range.
    /// </summary>
    private static List<(Dictionary<string, string> Headers, byte[] Content)> ReadParts(byte[] body, string boundary)
    {
        // Latin-1 maps every byte to one char, so offsets in the text are offsets in the body.
        var text = Encoding.Latin1.GetString(body);
        var delimiter = "\r\n--" + boundary;
        Assert.StartsWith("--" + boundary + "\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith(delimiter + "--\r\n", text, StringComparison.Ordinal);

        var parts = new List<(Dictionary<string, string>, byte[])>();
        var position = 2 + boundary.Length + 2;
        while (true)
        {
            var next = text.IndexOf(delimiter, position, StringComparison.Ordinal);
            Assert.True(next >= 0);
            var headerEnd = text.IndexOf("\r\n\r\n", position, StringComparison.Ordinal);
            Assert.InRange(headerEnd, position, next);

            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in text[position..headerEnd].Split("\r\n"))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                headers.Add(line[..colon], line[(colon + 1)..].Trim());
            }

            parts.Add((headers, body[(headerEnd + 4)..next]));
            position = next + delimiter.Length;
            if (string.CompareOrdinal(text, position, "--", 0, 2) == 0)
            {
                return parts;
            }

            Assert.Equal("\r\n", text.Substring(position, 2));
            position += 2;
            Assert.True(parts.Count < 1000, string.Create(CultureInfo.InvariantCulture, $"runaway at {position}"));
        }
    }
}
