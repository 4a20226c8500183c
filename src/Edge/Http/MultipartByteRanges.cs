using System.Security.Cryptography;
using System.Text;

namespace EdgeCache.Edge.Http;

/// <summary>
/// A <c>multipart/byteranges</c> body for a 206 with more than one range (RFC 9110 section 14.6,
/// framed per RFC 2046 section 5.1.1). The part headers are laid out up front so the exact
/// <c>Content-Length</c> is known before the first byte is written; the part bodies come from
/// the caller. A single range must be sent as a plain 206, never as a one-part multipart.
/// </summary>
internal sealed class MultipartByteRanges
{
    /// <summary>Hex digits in the boundary: 128 random bits, so a body cannot contain it by accident or design.</summary>
    private const int BoundaryLength = 32;

    private readonly ByteRange[] _ranges;

    /// <summary>The delimiter and headers before each part, then the close delimiter last.</summary>
    private readonly byte[][] _framing;

    public MultipartByteRanges(IReadOnlyList<ByteRange> ranges, string? contentType, long completeLength)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        ArgumentOutOfRangeException.ThrowIfZero(ranges.Count);

        var boundary = RandomNumberGenerator.GetHexString(BoundaryLength, lowercase: true);
        ContentType = "multipart/byteranges; boundary=" + boundary;

        _ranges = new ByteRange[ranges.Count];
        _framing = new byte[ranges.Count + 1][];
        var typeLine = string.IsNullOrEmpty(contentType) ? string.Empty : "Content-Type: " + contentType + "\r\n";
        long length = 0;
        for (var i = 0; i < ranges.Count; i++)
        {
            var range = ranges[i];
            if (range.Start < 0 || range.Length <= 0 || range.Start > completeLength - range.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(ranges), range, "Every range must be non-empty and inside the representation.");
            }

            // The CRLF ending a part belongs to the next delimiter, so the first part has none
            // before it (RFC 2046: delimiter := CRLF dash-boundary).
            var head = (i == 0 ? "--" : "\r\n--") + boundary + "\r\n"
                + typeLine
                + "Content-Range: " + range.ContentRange(completeLength) + "\r\n\r\n";
            _ranges[i] = range;
            _framing[i] = Encoding.UTF8.GetBytes(head);
            length = checked(length + _framing[i].Length + range.Length);
        }

        _framing[^1] = Encoding.ASCII.GetBytes("\r\n--" + boundary + "--\r\n");
        ContentLength = length + _framing[^1].Length;
    }

    /// <summary>The response's <c>Content-Type</c>, carrying the boundary.</summary>
    public string ContentType { get; }

    /// <summary>The exact number of bytes <see cref="WriteAsync"/> writes.</summary>
    public long ContentLength { get; }

    /// <summary>
    /// Writes the body. <paramref name="writePartBody"/> must write exactly the bytes of the
    /// range it is given into <paramref name="destination"/>, or the framing and length break.
    /// </summary>
    public async Task WriteAsync(Stream destination, Func<ByteRange, CancellationToken, ValueTask> writePartBody, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(writePartBody);

        for (var i = 0; i < _ranges.Length; i++)
        {
            await destination.WriteAsync(_framing[i], cancellationToken);
            await writePartBody(_ranges[i], cancellationToken);
        }

        await destination.WriteAsync(_framing[^1], cancellationToken);
    }
}
