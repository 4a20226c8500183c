using EdgeCache.Replication.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Admin;

/// <summary>
/// Who may purge: only a holder of the edge's bearer token. Unlike the stats, purging is off,
/// never open, when no token is configured, since anyone could otherwise empty the cache.
/// </summary>
internal static partial class PurgeAccess
{
    /// <summary>Null when the request may purge; otherwise the refusal to send, already logged.</summary>
    public static IResult? Refusal(HttpContext context, BearerToken token, ILogger logger)
    {
        if (!token.IsConfigured)
        {
            LogDisabled(logger, context.Request.Method, Remote(context), context.Request.Path);
            return Results.Json(new ErrorReport("purging is disabled: no token configured"), EdgeJsonContext.Default.ErrorReport,
                statusCode: StatusCodes.Status403Forbidden);
        }

        if (!token.IsAuthorized(context.Request.Headers.Authorization.ToString()))
        {
            LogRejected(logger, context.Request.Method, Remote(context), context.Request.Path);
            context.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
            return Results.Json(new ErrorReport("a valid bearer token is required"), EdgeJsonContext.Default.ErrorReport,
                statusCode: StatusCodes.Status401Unauthorized);
        }

        return null;
    }

    public static string Remote(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "?";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected {Method} {Path} from {Remote}: purging is disabled, no token is configured")]
    private static partial void LogDisabled(ILogger logger, string method, string remote, PathString path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected {Method} {Path} from {Remote}: missing or wrong token")]
    private static partial void LogRejected(ILogger logger, string method, string remote, PathString path);
}
