using EdgeCache.Edge.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// Streams a response from a <see cref="CacheFill"/> to one client as the upstream delivers it,
/// answering the client's own preconditions and a single <c>Range</c> itself (the fetch asked
/// the upstream for the whole, unconditional response).
/// </summary>
internal static class FillResponseWriter
{
    /// <summary>Writes the fill's response; <paramref name="reader"/> is left when done.</summary>
    public static async Task WriteAsync(HttpContext context, CacheFill.Reader reader, FillHead head, bool collapsed, string cacheStatus, bool isHead)
    {
        try
        {
            var response = context.Response;
            var requestHeaders = context.Request.Headers;
            var headers = collapsed ? head.SharedHeaders : head.ClientHeaders;
            var age = head.CorrectedInitialAge >= TimeSpan.FromSeconds(1) ? StoredResponseWriter.Seconds(head.CorrectedInitialAge) : null;
            ByteRange? range = null;
            if (head.Status == StatusCodes.Status200OK && (StoredResponseWriter.HasPreconditions(requestHeaders) || requestHeaders.Range.Count > 0))
            {
                var validators = ValidatorsOf(headers);
                switch (Preconditions.Evaluate(requestHeaders, validators, isGetOrHead: true))
                {
                    case PreconditionOutcome.NotModified:
                        StoredResponseWriter.WriteNotModified(response, headers, age, cacheStatus);
                        return;
                    case PreconditionOutcome.PreconditionFailed:
                        await StoredResponseWriter.WriteShortAsync(context, StatusCodes.Status412PreconditionFailed, StoredResponseWriter.PreconditionFailedBody, cacheStatus, null);
                        return;
                }

                // Only one range streams straight from the fill; several get the whole response, which RFC 9110 allows.
                if (!isHead && requestHeaders.Range.Count > 0 && head.ContentLength is > 0 and var length
                    && Preconditions.IfRangeAllows(requestHeaders, validators))
                {
                    switch (RangeRequest.Evaluate(requestHeaders.Range, length, out var ranges))
                    {
                        case RangeOutcome.Satisfiable when ranges.Length == 1:
                            range = ranges[0];
                            break;
                        case RangeOutcome.Unsatisfiable:
                            await StoredResponseWriter.WriteShortAsync(context, StatusCodes.Status416RangeNotSatisfiable, StoredResponseWriter.RangeNotSatisfiableBody,
                                cacheStatus, ByteRange.UnsatisfiedContentRange(length));
                            return;
                    }
                }
            }

            response.StatusCode = range is null ? head.Status : StatusCodes.Status206PartialContent;
            var responseHeaders = response.Headers;
            foreach (var header in headers)
            {
                responseHeaders[header.Key] = header.Value;
            }

            if (range is { } partial)
            {
                responseHeaders.ContentRange = partial.ContentRange(head.ContentLength!.Value);
                responseHeaders.ContentLength = partial.Length;
            }

            if (age is not null)
            {
                responseHeaders.Age = age;
            }

            responseHeaders[CacheStatusHeader.Name] = cacheStatus;
            if (isHead)
            {
                return;
            }

            await CopyAsync(context, reader, range);
        }
        catch (UpstreamFailedException)
        {
            // Part of the body went out already; only a broken connection tells the client it is incomplete.
            context.Abort();
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left; the fill goes on for the others (or stops, if no one else wants it).
        }
        finally
        {
            reader.Leave();
        }
    }

    private static async Task CopyAsync(HttpContext context, CacheFill.Reader reader, ByteRange? range)
    {
        var cancellation = context.RequestAborted;
        var body = context.Response.Body;
        long position = 0;
        var start = range?.Start ?? 0;
        var end = range is { } r ? r.Start + r.Length : long.MaxValue;
        while (position < end)
        {
            var data = await reader.ReadAsync(cancellation);
            if (data.IsEmpty)
            {
                break;
            }

            var from = (int)Math.Clamp(start - position, 0, data.Length);
            var to = (int)Math.Clamp(end - position, 0, data.Length);
            if (to > from)
            {
                await body.WriteAsync(data[from..to], cancellation);
            }

            position += data.Length;
            reader.Advance(data.Length);
        }
    }

    private static Validators ValidatorsOf(KeyValuePair<string, StringValues>[] headers)
    {
        string? etag = null;
        DateTimeOffset? lastModified = null;
        DateTimeOffset? date = null;
        foreach (var header in headers)
        {
            if (header.Key.Equals(HeaderNames.ETag, StringComparison.OrdinalIgnoreCase))
            {
                etag = header.Value.ToString();
            }
            else if (header.Key.Equals(HeaderNames.LastModified, StringComparison.OrdinalIgnoreCase))
            {
                lastModified = FreshnessPolicy.ParseDate(header.Value);
            }
            else if (header.Key.Equals(HeaderNames.Date, StringComparison.OrdinalIgnoreCase))
            {
                date = FreshnessPolicy.ParseDate(header.Value);
            }
        }

        return new Validators(etag, lastModified, date);
    }
}
