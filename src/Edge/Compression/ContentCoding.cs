namespace EdgeCache.Edge.Compression;

/// <summary>The content codings the edge applies (RFC 9110 section 8.4.1); identity is none.</summary>
internal enum ContentCoding
{
    Identity,
    Gzip,
    Brotli,
}

/// <summary>The names a <see cref="ContentCoding"/> goes by in header fields.</summary>
internal static class ContentCodingNames
{
    public const string Brotli = "br";
    public const string Gzip = "gzip";

    /// <summary>The token in <c>Accept-Encoding</c> and <c>Content-Encoding</c>.</summary>
    public static string Token(ContentCoding coding) => coding == ContentCoding.Brotli ? Brotli : Gzip;

    /// <summary>What the variant's entity tag carries after the upstream's opaque-tag, inside the quotes.</summary>
    public static string ETagSuffix(ContentCoding coding) => coding == ContentCoding.Brotli ? "-br" : "-gzip";
}
