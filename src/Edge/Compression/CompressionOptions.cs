using EdgeCache.Edge.Hosting;

namespace EdgeCache.Edge.Compression;

/// <summary>
/// Response compression (<c>Edge:Compression</c>): <c>br</c> or <c>gzip</c>, negotiated from the
/// client's <c>Accept-Encoding</c>, for compressible responses the upstream sent uncompressed.
/// The compressed variant is what the cache stores and serves.
/// </summary>
public sealed class CompressionOptions
{
    /// <summary>
    /// The media types compressed when <see cref="MimeTypes"/> is empty: <c>type/*</c> covers a whole
    /// type, <c>type/*+suffix</c> every structured syntax suffix of a type.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultMimeTypes =
    [
        "text/*",
        "application/json",
        "application/*+json",
        "application/javascript",
        "application/ecmascript",
        "application/xml",
        "application/*+xml",
        "application/wasm",
        "image/svg+xml",
        "image/x-icon",
        "image/vnd.microsoft.icon",
        "font/ttf",
        "font/otf",
        "application/vnd.ms-fontobject",
    ];

    /// <summary>Compresses responses and normalises requests' <c>Accept-Encoding</c> to <c>br</c>, <c>gzip</c> or none.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The media types compressed; empty (the default) means <see cref="DefaultMimeTypes"/>, a list replaces them.</summary>
    public string[] MimeTypes { get; set; } = [];

    /// <summary>Responses that declare a smaller length are sent as they are: the coding's overhead would eat the gain.</summary>
    public ByteSize MinSize { get; set; } = new(256);

    /// <summary>
    /// Responses that declare a length up to this are compressed whole before they are sent, so the
    /// compressed variant has a <c>Content-Length</c> from its first byte; longer or undeclared ones stream.
    /// </summary>
    public ByteSize MaxBufferedSize { get; set; } = new(8L << 20);

    /// <summary>Brotli quality, 0 (fastest) to 11 (smallest); a stored variant is compressed once and served many times.</summary>
    public int BrotliQuality { get; set; } = 6;

    /// <summary>gzip (zlib) level, 0 (store) to 9 (smallest).</summary>
    public int GzipLevel { get; set; } = 6;

    /// <summary>The media types in effect.</summary>
    internal IReadOnlyList<string> EffectiveMimeTypes => MimeTypes.Length == 0 ? DefaultMimeTypes : MimeTypes;

    /// <summary>What is wrong with these settings; empty when nothing is.</summary>
    public IEnumerable<string> Problems()
    {
        if (MinSize.Bytes < 0)
        {
            yield return "Compression:MinSize must be 0 or above";
        }

        if (MaxBufferedSize.Bytes < 0 || MaxBufferedSize.Bytes > 1L << 30)
        {
            yield return "Compression:MaxBufferedSize must be between 0 and 1GB";
        }

        if (BrotliQuality is < 0 or > 11)
        {
            yield return "Compression:BrotliQuality must be between 0 and 11";
        }

        if (GzipLevel is < 0 or > 9)
        {
            yield return "Compression:GzipLevel must be between 0 and 9";
        }

        foreach (var type in MimeTypes)
        {
            if (!MediaTypePattern.IsValid(type))
            {
                yield return $"Compression:MimeTypes: '{type}' is not a media type such as text/html, text/* or application/*+json";
            }
        }
    }
}
