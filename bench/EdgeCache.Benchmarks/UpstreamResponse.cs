using System.Globalization;
using EdgeCache.Edge.Caching;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Benchmarks;

/// <summary>Stored responses as the edge keeps a typical upstream answer: cacheable for an hour, with validators and a 1 KiB body.</summary>
internal static class UpstreamResponse
{
    public const int BodyLength = 1024;

    public const string CacheName = "edge-bench";

    /// <summary>When the upstream answered; the benchmarks' clock runs a minute later, well within max-age.</summary>
    public static readonly DateTimeOffset ResponseTime = new(2025, 11, 3, 9, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset Now = ResponseTime.AddMinutes(1);

    private static readonly byte[] Body = CreateBody();

    /// <summary>
    /// The stored header list, in the order an upstream sends it. With <paramref name="varyOnEncoding"/>
    /// it is the compressed variant of a response that varies on <c>Accept-Encoding</c>.
    /// </summary>
    public static KeyValuePair<string, StringValues>[] Headers(bool varyOnEncoding = false, string etag = "\"5f3a9c1e-400\"")
    {
        List<KeyValuePair<string, StringValues>> headers =
        [
            new(HeaderNames.Date, ResponseTime.ToString("R", CultureInfo.InvariantCulture)),
            new(HeaderNames.ContentType, "text/css; charset=utf-8"),
            new(HeaderNames.ContentLength, BodyLength.ToString(CultureInfo.InvariantCulture)),
            new(HeaderNames.CacheControl, "public, max-age=3600"),
            new(HeaderNames.ETag, etag),
            new(HeaderNames.LastModified, "Tue, 14 Oct 2025 08:30:00 GMT"),
        ];
        if (varyOnEncoding)
        {
            headers.Add(new(HeaderNames.ContentEncoding, "br"));
            headers.Add(new(HeaderNames.Vary, HeaderNames.AcceptEncoding));
        }

        // One header Kestrel has no field for, so it goes to its dictionary of unknown headers.
        headers.Add(new("X-Upstream-Id", "b7e2c4d1a9f04e6c"));
        return [.. headers];
    }

    /// <summary>A fresh stored response for <paramref name="key"/>, of the variant <paramref name="requestHeaders"/> select when it varies.</summary>
    public static StoredResponse Create(string key, KeyValuePair<string, StringValues>[] headers, IHeaderDictionary requestHeaders)
    {
        StringValues vary = default;
        foreach (var header in headers)
        {
            if (header.Key == HeaderNames.Vary)
            {
                vary = header.Value;
            }
        }

        return new StoredResponse(
            key,
            StatusCodes.Status200OK,
            headers,
            StoredBody.CopyOf([Body], BodyLength),
            VaryKey.Create(vary, requestHeaders),
            ResponseTime,
            TimeSpan.Zero,
            ReusePolicy.FreshFor(TimeSpan.FromHours(1)),
            CacheName,
            upstreamCacheStatus: null);
    }

    private static byte[] CreateBody()
    {
        // Stylesheet-like text rather than zeros, though nothing here depends on the content.
        var line = "body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#222;background:#fff}\n"u8;
        var body = new byte[BodyLength];
        for (var offset = 0; offset < body.Length; offset += line.Length)
        {
            line[..Math.Min(line.Length, body.Length - offset)].CopyTo(body.AsSpan(offset));
        }

        return body;
    }
}
