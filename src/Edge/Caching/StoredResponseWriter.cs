using System.Globalization;
using EdgeCache.Edge.Http;
using EdgeCache.Edge.Transport;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// Writes a stored response to a client: whole, or as the 304 / 412 its preconditions call for
/// (RFC 9110 section 13), or as the 206 / 416 its <c>Range</c> calls for (section 14).
/// </summary>
internal static class StoredResponseWriter
{
    internal static readonly byte[] PreconditionFailedBody = "412 Precondition Failed\n"u8.ToArray();
    internal static readonly byte[] RangeNotSatisfiableBody = "416 Range Not Satisfiable\n"u8.ToArray();

    /// <summary>Writes a fresh hit on <paramref name="stored"/>, which the caller holds, with this second's <c>Age</c> and <c>Cache-Status</c>.</summary>
    public static Task WriteFreshAsync(HttpContext context, StoredResponse stored, DateTimeOffset now, bool isHead)
    {
        var stamp = stored.StampAt(now);
        return WriteAsync(context, stored, stamp.Age, stamp.CacheStatus, isHead);
    }

    /// <summary>Writes <paramref name="stored"/>, which the caller holds; the hold is released here.</summary>
    public static async Task WriteAsync(HttpContext context, StoredResponse stored, string age, string cacheStatus, bool isHead)
    {
        try
        {
            var requestHeaders = context.Request.Headers;
            var response = context.Response;
            if (stored.Status == StatusCodes.Status200OK && (HasPreconditions(requestHeaders) || requestHeaders.Range.Count > 0))
            {
                var validators = new Validators(stored.ETag, stored.LastModified, stored.Date ?? stored.ResponseTime);
                switch (Preconditions.Evaluate(requestHeaders, validators, isGetOrHead: true))
                {
                    case PreconditionOutcome.NotModified:
                        WriteNotModified(response, stored.Headers, age, cacheStatus);
                        return;
                    case PreconditionOutcome.PreconditionFailed:
                        await WriteShortAsync(context, StatusCodes.Status412PreconditionFailed, PreconditionFailedBody, cacheStatus, contentRange: null);
                        return;
                }

                if (!isHead && requestHeaders.Range.Count > 0 && stored.Body.Length > 0 && Preconditions.IfRangeAllows(requestHeaders, validators))
                {
                    switch (RangeRequest.Evaluate(requestHeaders.Range, stored.Body.Length, out var ranges))
                    {
                        case RangeOutcome.Satisfiable:
                            await WriteRangesAsync(context, stored, ranges, age, cacheStatus);
                            return;
                        case RangeOutcome.Unsatisfiable:
                            await WriteShortAsync(context, StatusCodes.Status416RangeNotSatisfiable, RangeNotSatisfiableBody, cacheStatus,
                                ByteRange.UnsatisfiedContentRange(stored.Body.Length));
                            return;
                    }
                }
            }

            response.StatusCode = stored.Status;
            var headers = response.Headers;
            stored.Headers.CopyTo(headers);
            headers.ContentLength = stored.Body.Length;
            headers.Age = age;
            headers[CacheStatusHeader.Name] = cacheStatus;
            if (!isHead && stored.Body.Length > 0)
            {
                // Started first, Kestrel writes the body straight after the headers; written before
                // the start, it buffers the body and copies it a second time once the headers are out.
                await response.StartAsync(context.RequestAborted);
                if (stored.Body.Extent is { } extent && SendFileFeature(context) is { } sendFile)
                {
                    await sendFile.SendFileAsync(response, extent.Arena.Handle, extent.Offset, extent.Memory, context.RequestAborted);
                }
                else
                {
                    await stored.Body.WriteToAsync(response.BodyWriter, SegmentedCopy.For(context.Request.IsHttps), context.RequestAborted);
                }
            }
        }
        finally
        {
            stored.Body.Release();
        }
    }

    /// <summary>
    /// The connection's <c>sendfile</c> output, when the response goes straight to the socket:
    /// HTTP/1.x without TLS. HTTP/2 frames the body and TLS encrypts it, so neither may skip them.
    /// </summary>
    private static ISendFileFeature? SendFileFeature(HttpContext context)
    {
        var request = context.Request;
        return !request.IsHttps && (HttpProtocol.IsHttp11(request.Protocol) || HttpProtocol.IsHttp10(request.Protocol))
            ? context.Features.Get<ISendFileFeature>()
            : null;
    }

    /// <summary>True when the request carries any precondition header.</summary>
    public static bool HasPreconditions(IHeaderDictionary headers)
        => headers.IfNoneMatch.Count > 0 || headers.IfModifiedSince.Count > 0 || headers.IfMatch.Count > 0 || headers.IfUnmodifiedSince.Count > 0;

    /// <summary>A 304 carrying the fields RFC 9110 section 15.4.5 names, so caches downstream can update theirs.</summary>
    public static void WriteNotModified(HttpResponse response, KeyValuePair<string, StringValues>[] received, string? age, string cacheStatus)
    {
        foreach (var header in received)
        {
            CopyIfInNotModified(response.Headers, header);
        }

        FinishNotModified(response, age, cacheStatus);
    }

    /// <summary>A 304 for a stored response, as <see cref="WriteNotModified(HttpResponse, KeyValuePair{string, StringValues}[], string?, string)"/>.</summary>
    public static void WriteNotModified(HttpResponse response, StoredHeaders stored, string? age, string cacheStatus)
    {
        foreach (var header in stored)
        {
            CopyIfInNotModified(response.Headers, header);
        }

        FinishNotModified(response, age, cacheStatus);
    }

    private static void CopyIfInNotModified(IHeaderDictionary headers, KeyValuePair<string, StringValues> header)
    {
        if (Preconditions.BelongsInNotModified(header.Key))
        {
            headers[header.Key] = header.Value;
        }
    }

    private static void FinishNotModified(HttpResponse response, string? age, string cacheStatus)
    {
        response.StatusCode = StatusCodes.Status304NotModified;
        var headers = response.Headers;
        if (age is not null)
        {
            headers.Age = age;
        }

        headers[CacheStatusHeader.Name] = cacheStatus;
    }

    /// <summary>A 412 or 416 with a one-line body.</summary>
    public static async Task WriteShortAsync(HttpContext context, int status, byte[] body, string cacheStatus, string? contentRange)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength = body.Length;
        response.Headers[CacheStatusHeader.Name] = cacheStatus;
        if (contentRange is not null)
        {
            response.Headers.ContentRange = contentRange;
        }

        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    private static async Task WriteRangesAsync(HttpContext context, StoredResponse stored, ByteRange[] ranges, string age, string cacheStatus)
    {
        var response = context.Response;
        var headers = response.Headers;
        var total = stored.Body.Length;
        var contentType = stored.Headers[HeaderNames.ContentType] is { Count: > 0 } type ? type.ToString() : null;
        var multipart = ranges.Length > 1 ? new MultipartByteRanges(ranges, contentType, total) : null;
        response.StatusCode = StatusCodes.Status206PartialContent;
        foreach (var header in stored.Headers)
        {
            if (!(multipart is not null && header.Key.Equals(HeaderNames.ContentType, StringComparison.OrdinalIgnoreCase)))
            {
                headers[header.Key] = header.Value;
            }
        }

        headers.Age = age;
        headers[CacheStatusHeader.Name] = cacheStatus;
        var cancellation = context.RequestAborted;
        if (multipart is null)
        {
            var range = ranges[0];
            headers.ContentRange = range.ContentRange(total);
            headers.ContentLength = range.Length;
            await stored.Body.WriteRangeAsync(response.Body, range.Start, range.Length, cancellation);
            return;
        }

        headers.ContentType = multipart.ContentType;
        headers.ContentLength = multipart.ContentLength;
        var body = response.Body;
        await multipart.WriteAsync(body, (range, token) => stored.Body.WriteRangeAsync(body, range.Start, range.Length, token), cancellation);
    }

    /// <summary>Formats an age in whole seconds.</summary>
    public static string Seconds(TimeSpan age) => ((long)age.TotalSeconds).ToString(CultureInfo.InvariantCulture);
}
