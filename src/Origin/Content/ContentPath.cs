using System.Text;

namespace EdgeCache.Origin.Content;

/// <summary>
/// Validates content paths that come from outside (admin API, importer) so that none can
/// escape the content namespace or mean different things to the origin and the edges.
/// </summary>
public static class ContentPath
{
    /// <summary>The longest path accepted, in UTF-8 bytes.</summary>
    public const int MaxBytes = 2048;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Accepts <paramref name="raw"/> as a content path, or says why not. Paths are taken as they
    /// are (never percent-decoded), so <paramref name="path"/> equals <paramref name="raw"/> on
    /// success. A trailing slash (and "/" itself) is allowed; empty segments elsewhere are not.
    /// </summary>
    public static bool TryNormalize(string? raw, out string path, out string error)
    {
        path = string.Empty;
        error = Check(raw) ?? string.Empty;
        if (error.Length != 0)
        {
            return false;
        }

        path = raw!;
        return true;
    }

    private static string? Check(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return "the path is empty";
        }

        if (raw[0] != '/')
        {
            return "the path must start with '/'";
        }

        int bytes;
        try
        {
            bytes = StrictUtf8.GetByteCount(raw);
        }
        catch (EncoderFallbackException)
        {
            return "the path is not valid Unicode (unpaired surrogate)";
        }

        if (bytes > MaxBytes)
        {
            return $"the path is longer than {MaxBytes} bytes (UTF-8)";
        }

        foreach (var c in raw)
        {
            if (c == '\0')
            {
                return "the path contains a NUL character";
            }

            if (char.IsControl(c))
            {
                return "the path contains a control character";
            }

            if (c == '\\')
            {
                return "the path contains a backslash";
            }

            // Both would be cut off as query or fragment by any URL parser on the way to an edge.
            if (c is '?' or '#')
            {
                return $"the path contains '{c}'";
            }
        }

        if (raw.Contains("%2f", StringComparison.OrdinalIgnoreCase))
        {
            return "the path contains a percent-encoded slash (%2F)";
        }

        if (raw.Contains("%5c", StringComparison.OrdinalIgnoreCase))
        {
            return "the path contains a percent-encoded backslash (%5C)";
        }

        if (raw.Contains("%00", StringComparison.Ordinal))
        {
            return "the path contains a percent-encoded NUL (%00)";
        }

        // Skip the leading empty segment before the first '/'.
        var segments = raw.Split('/');
        for (var i = 1; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment.Length == 0)
            {
                if (i == segments.Length - 1)
                {
                    break;
                }

                return "the path contains an empty segment ('//')";
            }

            if (segment is "." or "..")
            {
                return $"the path contains a '{segment}' segment";
            }

            // A segment that a server would decode to "." or ".." is as dangerous as the plain one.
            var decodedDots = segment.Replace("%2e", ".", StringComparison.OrdinalIgnoreCase);
            if (decodedDots is "." or ".." || segment.Contains("%2e%2e", StringComparison.OrdinalIgnoreCase))
            {
                return "the path contains a percent-encoded dot segment (%2E)";
            }
        }

        return null;
    }
}
