namespace EdgeCache.Edge.Compression;

/// <summary>
/// The media type patterns of <see cref="CompressionOptions.MimeTypes"/>: <c>type/subtype</c>,
/// <c>type/*</c> (the whole type) or <c>type/*+suffix</c> (a structured syntax suffix, RFC 6838
/// section 4.2.8), compared case-insensitively.
/// </summary>
internal static class MediaTypePattern
{
    /// <summary>True when <paramref name="pattern"/> is one of the three forms.</summary>
    public static bool IsValid(string? pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern))
        {
            return false;
        }

        var slash = pattern.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && slash < pattern.Length - 1 && pattern.IndexOf('/', slash + 1) < 0
            && !pattern.AsSpan().ContainsAny(" \t;,")
            && (pattern.IndexOf('*', StringComparison.Ordinal) is var star && (star < 0 || star == slash + 1))
            && (star < 0 || pattern.Length == slash + 2 || pattern[slash + 2] == '+');
    }

    /// <summary>True when the media type of a <c>Content-Type</c> value (parameters and all) matches <paramref name="pattern"/>.</summary>
    public static bool Matches(string pattern, ReadOnlySpan<char> contentType)
    {
        var semicolon = contentType.IndexOf(';');
        var mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim(" \t");
        var star = pattern.IndexOf('*', StringComparison.Ordinal);
        if (star < 0)
        {
            return mediaType.Equals(pattern, StringComparison.OrdinalIgnoreCase);
        }

        // "type/*" wants the type and its slash; "type/*+suffix" also the suffix after a non-empty subtype.
        var type = pattern.AsSpan(0, star);
        var suffix = pattern.AsSpan(star + 1);
        return mediaType.StartsWith(type, StringComparison.OrdinalIgnoreCase)
            && mediaType.Length > type.Length + suffix.Length
            && mediaType.EndsWith(suffix, StringComparison.OrdinalIgnoreCase);
    }
}
