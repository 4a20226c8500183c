using System.Globalization;

namespace EdgeCache.Edge.Http;

/// <summary>
/// A satisfiable byte range of a representation (RFC 9110 section 14.1.2): never empty and
/// always inside the representation it was resolved against.
/// </summary>
internal readonly record struct ByteRange(long Start, long Length)
{
    /// <summary>The offset of the last byte, inclusive, as <c>last-pos</c> and <c>Content-Range</c> count it.</summary>
    public long End => Start + Length - 1;

    /// <summary>The <c>Content-Range</c> value for this range, e.g. <c>bytes 0-99/1000</c> (RFC 9110 section 14.4).</summary>
    public string ContentRange(long completeLength)
        => string.Create(CultureInfo.InvariantCulture, $"bytes {Start}-{End}/{completeLength}");

    /// <summary>The <c>Content-Range</c> value a 416 carries, e.g. <c>bytes */1000</c>.</summary>
    public static string UnsatisfiedContentRange(long completeLength)
        => string.Create(CultureInfo.InvariantCulture, $"bytes */{completeLength}");
}
