using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Compression;

/// <summary>
/// Picks the coding of a response from a request's <c>Accept-Encoding</c> (RFC 9110 section
/// 12.5.3): <c>br</c> or <c>gzip</c> when acceptable, the one with the higher weight, <c>br</c> on a
/// tie; otherwise identity. A coding is acceptable when it is listed with a weight above zero, or
/// is not listed and <c>*</c> is. Runs on every request, hits included, so it reads the field in
/// place and allocates nothing.
/// </summary>
internal static class AcceptEncoding
{
    /// <summary>The normal form of a request that selects brotli; static, so setting it allocates nothing.</summary>
    public static readonly StringValues BrotliOnly = new(ContentCodingNames.Brotli);

    /// <summary>The normal form of a request that selects gzip.</summary>
    public static readonly StringValues GzipOnly = new(ContentCodingNames.Gzip);

    private const int NotListed = -1;
    private const int FullWeight = 1000;

    /// <summary>The coding <paramref name="fieldLines"/> select; identity when the field is absent or accepts neither.</summary>
    public static ContentCoding Select(StringValues fieldLines)
    {
        int brotli = NotListed, gzip = NotListed, any = NotListed;
        for (var i = 0; i < fieldLines.Count; i++)
        {
            var line = fieldLines[i].AsSpan();
            foreach (var range in line.Split(','))
            {
                var member = line[range];
                var semicolon = member.IndexOf(';');
                var coding = (semicolon < 0 ? member : member[..semicolon]).Trim(" \t");
                // A member with a malformed weight says nothing we could rely on: it is skipped.
                if (coding.IsEmpty || !TryReadWeight(semicolon < 0 ? default : member[(semicolon + 1)..], out var weight))
                {
                    continue;
                }

                if (coding.Equals(ContentCodingNames.Brotli, StringComparison.OrdinalIgnoreCase))
                {
                    brotli = Math.Max(brotli, weight);
                }
                else if (coding.Equals(ContentCodingNames.Gzip, StringComparison.OrdinalIgnoreCase)
                    || coding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase))
                {
                    // RFC 9110 section 8.4.1.3: a recipient should treat x-gzip as gzip.
                    gzip = Math.Max(gzip, weight);
                }
                else if (coding is "*")
                {
                    any = Math.Max(any, weight);
                }
            }
        }

        var brotliWeight = brotli != NotListed ? brotli : Math.Max(any, 0);
        var gzipWeight = gzip != NotListed ? gzip : Math.Max(any, 0);
        if (brotliWeight == 0 && gzipWeight == 0)
        {
            return ContentCoding.Identity;
        }

        return brotliWeight >= gzipWeight ? ContentCoding.Brotli : ContentCoding.Gzip;
    }

    /// <summary>Reads the <c>q</c> parameter among a member's parameters, in thousandths; 1000 when there is none.</summary>
    private static bool TryReadWeight(ReadOnlySpan<char> parameters, out int weight)
    {
        weight = FullWeight;
        foreach (var range in parameters.Split(';'))
        {
            var parameter = parameters[range].Trim(" \t");
            var equals = parameter.IndexOf('=');
            if (equals > 0 && parameter[..equals].TrimEnd(" \t") is [var name] && (name == 'q' || name == 'Q'))
            {
                return TryParseQValue(parameter[(equals + 1)..].TrimStart(" \t"), out weight);
            }
        }

        return true;
    }

    /// <summary>Parses <c>qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )</c> (RFC 9110 section 12.4.2) in thousandths.</summary>
    internal static bool TryParseQValue(ReadOnlySpan<char> text, out int thousandths)
    {
        thousandths = 0;
        if (text.IsEmpty || text.Length > 5 || text[0] is not ('0' or '1'))
        {
            return false;
        }

        var value = (text[0] - '0') * FullWeight;
        if (text.Length > 1)
        {
            if (text[1] != '.')
            {
                return false;
            }

            var scale = 100;
            foreach (var digit in text[2..])
            {
                if (!char.IsAsciiDigit(digit))
                {
                    return false;
                }

                value += (digit - '0') * scale;
                scale /= 10;
            }
        }

        if (value > FullWeight)
        {
            return false;
        }

        thousandths = value;
        return true;
    }
}
