using EdgeCache.Edge.Caching;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Compression;

/// <summary>
/// Replaces a request's <c>Accept-Encoding</c> with the coding it selects, <c>br</c> or <c>gzip</c>,
/// or removes it (identity), before the cache looks at the request: the cache's <c>Vary</c> then
/// sees at most three values instead of one per browser's spelling, so every client that takes
/// brotli shares one stored variant, and the upstream sees the same normal form. A request with
/// <c>Cache-Control: no-transform</c> asks intermediaries not to transform the content: it gets identity.
/// </summary>
internal sealed class AcceptEncodingMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Request.Headers;
        var accepted = headers.AcceptEncoding;
        if (accepted.Count > 0)
        {
            var coding = headers.CacheControl.Count > 0 && CacheControlDirectives.Parse(headers.CacheControl).NoTransform
                ? ContentCoding.Identity
                : AcceptEncoding.Select(accepted);
            switch (coding)
            {
                case ContentCoding.Brotli:
                    headers.AcceptEncoding = AcceptEncoding.BrotliOnly;
                    break;
                case ContentCoding.Gzip:
                    headers.AcceptEncoding = AcceptEncoding.GzipOnly;
                    break;
                default:
                    headers.Remove(HeaderNames.AcceptEncoding);
                    break;
            }
        }

        return next(context);
    }
}
