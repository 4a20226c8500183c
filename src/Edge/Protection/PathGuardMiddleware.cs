using EdgeCache.Replication.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Edge.Protection;

/// <summary>
/// Answers 400 to a request whose target, as sent, looks like a path attack
/// (<see cref="RequestTarget.FindAttack"/>), before the cache or a back-end sees it: Kestrel would
/// resolve dot segments quietly, and a back-end that decodes <c>%2f</c> or <c>%252e</c> again would
/// serve a path the edge never routed.
/// </summary>
internal sealed partial class PathGuardMiddleware(RequestDelegate next, ILogger<PathGuardMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? string.Empty;
        // The asterisk form (OPTIONS *) and absolute forms have no path of ours to check.
        if (raw.Length == 0 || raw[0] != '/' || RequestTarget.FindAttack(RequestTarget.PathOf(raw)) is not { } attack)
        {
            return next(context);
        }

        LogRejected(logger, context.Connection.RemoteIpAddress?.ToString() ?? "unknown", context.Request.Method, raw, attack);
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentType = "text/plain";
        return context.Response.WriteAsync($"Bad request path: {attack}\n");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected {Method} {Target} from {Client}: {Attack}")]
    private static partial void LogRejected(ILogger logger, string client, string method, string target, string attack);
}
