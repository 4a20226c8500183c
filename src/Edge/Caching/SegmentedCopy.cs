using System.Buffers;
using System.IO.Pipelines;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// Copies a stored body into a response's <see cref="PipeWriter"/> in segments of a chosen size.
/// Over TLS each segment Kestrel's output pipe holds becomes one TLS record, one encryption and
/// one write to the socket: the pipe's own 4 KiB blocks made a 100 KiB hit 25 records where 16 KiB
/// segments (the largest record, RFC 8446 section 5.1) make it 7.
/// </summary>
internal static class SegmentedCopy
{
    /// <summary>The largest TLS record's plaintext, and so the segment size for HTTPS responses.</summary>
    public const int TlsRecord = 16 * 1024;

    /// <summary>The segment size for <paramref name="isHttps"/> responses: 0 (the pipe's own) for plain ones.</summary>
    public static int For(bool isHttps) => isHttps ? TlsRecord : 0;

    /// <summary>Copies <paramref name="source"/>; a <paramref name="segment"/> of 0 leaves the segmenting to the writer.</summary>
    public static void Write(PipeWriter writer, ReadOnlySpan<byte> source, int segment)
    {
        if (segment <= 0)
        {
            writer.Write(source);
            return;
        }

        while (!source.IsEmpty)
        {
            var destination = writer.GetSpan(Math.Min(source.Length, segment));
            var count = Math.Min(Math.Min(destination.Length, source.Length), segment);
            source[..count].CopyTo(destination);
            writer.Advance(count);
            source = source[count..];
        }
    }
}
