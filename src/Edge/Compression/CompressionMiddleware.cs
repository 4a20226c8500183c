using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Compression;

/// <summary>
/// Compresses upstream responses in YARP's proxy pipeline, behind the cache: the cache's own
/// upstream fetches run the rest of the pipeline too, so the variant the cache stores is the
/// compressed one, compressed once. Conditional requests that name a variant's tag (the cache
/// revalidating a stored variant, or a client's request forwarded as it is) ask the upstream
/// about the upstream's tag, and a 304 for it confirms the variant.
/// </summary>
internal sealed class CompressionMiddleware(RequestDelegate next, CompressionPolicy policy)
{
    private static readonly string[] TagConditions = [HeaderNames.IfNoneMatch, HeaderNames.IfMatch];

    public async Task InvokeAsync(HttpContext context)
    {
        var requestHeaders = context.Request.Headers;
        var coding = AcceptEncoding.Select(requestHeaders.AcceptEncoding);
        List<(string Variant, string Upstream)>? rewritten = null;
        if (coding != ContentCoding.Identity)
        {
            // If-Range is left alone: a range of the upstream's identity bytes is not a range of the variant.
            foreach (var name in TagConditions)
            {
                if (requestHeaders[name].Count > 0 && VariantETag.ToUpstream(requestHeaders[name], coding, rewritten ??= []) is { } upstream)
                {
                    requestHeaders[name] = upstream;
                }
            }
        }

        var inner = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var body = new CompressingBody(context, inner, policy, coding, rewritten is { Count: > 0 } ? rewritten : null);
        context.Features.Set<IHttpResponseBodyFeature>(body);
        try
        {
            await next(context);
            if (context.GetForwarderErrorFeature() is null)
            {
                await body.FinishAsync();
            }
        }
        finally
        {
            // Whatever the edge writes after this (an error page) is its own, uncompressed.
            context.Features.Set(inner);
            body.Abandon();
        }
    }
}
