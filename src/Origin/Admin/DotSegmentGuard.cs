using EdgeCache.Replication.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Origin.Admin;

/// <summary>
/// Rejects a request whose target, as sent, has <c>.</c> or <c>..</c> segments (literal or
/// percent-encoded). Kestrel would resolve them before routing, so <c>/_admin/content/a/../../x</c>
/// would reach another endpoint quietly; a traversal attempt deserves a clear 400 instead.
/// </summary>
internal sealed partial class DotSegmentGuard(RequestDelegate next, ILogger<DotSegmentGuard> logger)
{
    private static readonly byte[] Body = """{"error":"the request path has '.' or '..' segments"}"""u8.ToArray();

    public async Task InvokeAsync(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? string.Empty;
        if (!RequestTarget.HasDotSegment(RequestTarget.PathOf(raw)))
        {
            await next(context);
            return;
        }

        LogRejected(logger, context.Request.Method, raw);
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(Body, context.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected {Method} {Target}: dot segments in the path")]
    private static partial void LogRejected(ILogger logger, string method, string target);
}
