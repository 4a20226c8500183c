using System.IO.Compression;
using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EdgeCache.Edge.Compression;

/// <summary>Which responses the edge compresses, and the encoders it compresses them with.</summary>
internal sealed class CompressionPolicy
{
    private readonly string[] _mimeTypes;
    private readonly long _minSize;
    private readonly BrotliCompressionOptions _brotli;
    private readonly ZLibCompressionOptions _gzip;

    public CompressionPolicy(IOptions<EdgeOptions> options)
    {
        var compression = options.Value.Compression;
        _mimeTypes = [.. compression.EffectiveMimeTypes];
        _minSize = compression.MinSize.Bytes;
        MaxBufferedBytes = compression.MaxBufferedSize.Bytes;
        _brotli = new BrotliCompressionOptions { Quality = compression.BrotliQuality };
        _gzip = new ZLibCompressionOptions { CompressionLevel = compression.GzipLevel };
    }

    /// <summary>Declared lengths up to this are compressed whole before they are sent.</summary>
    public long MaxBufferedBytes { get; }

    /// <summary>
    /// True when the response is one the edge compresses for clients that accept a coding: a 200
    /// the upstream did not encode (never twice) and did not cut to a range, of a compressible
    /// type, not declared shorter than the minimum, and without <c>no-transform</c>. Its identity
    /// variant then varies on <c>Accept-Encoding</c> as well.
    /// </summary>
    public bool IsCompressible(HttpResponse response)
    {
        var headers = response.Headers;
        return response.StatusCode == StatusCodes.Status200OK
            && headers.ContentEncoding.Count == 0
            && headers.ContentRange.Count == 0
            && !(headers.ContentLength < _minSize)
            && IsCompressibleType(headers.ContentType.ToString())
            && !CacheControlDirectives.Parse(headers.CacheControl).NoTransform;
    }

    /// <summary>A stream that compresses into <paramref name="destination"/>, which it leaves open.</summary>
    public Stream CreateEncoder(ContentCoding coding, Stream destination)
        => coding == ContentCoding.Brotli
            ? new BrotliStream(destination, _brotli, leaveOpen: true)
            : new GZipStream(destination, _gzip, leaveOpen: true);

    private bool IsCompressibleType(string contentType)
    {
        // An event stream is read event by event as it arrives; an encoder holds events back until its buffer fills.
        if (contentType.Length == 0 || MediaTypePattern.Matches("text/event-stream", contentType))
        {
            return false;
        }

        foreach (var pattern in _mimeTypes)
        {
            if (MediaTypePattern.Matches(pattern, contentType))
            {
                return true;
            }
        }

        return false;
    }
}
