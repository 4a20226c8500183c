using EdgeCache.Replication.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Admin;

/// <summary>
/// Who may use the edge's admin endpoints and <c>PURGE</c>: only clients from an allowed network
/// (<see cref="AdminNetworks"/>), and for changes (purging, draining) only a holder of the edge's
/// bearer token. Unlike the stats, changes are off, never open, when no token is configured, since
/// anyone could otherwise empty the cache or turn traffic away from a back-end.
/// </summary>
internal static partial class AdminAccess
{
    /// <summary>Null when the request may change the edge (<paramref name="action"/>: "purging", "draining"); otherwise the refusal to send, already logged.</summary>
    public static IResult? ChangeRefusal(HttpContext context, BearerToken token, AdminNetworks networks, ILogger logger, string action)
    {
        if (NetworkRefusal(context, networks, logger) is { } refused)
        {
            return refused;
        }

        if (!token.IsConfigured)
        {
            LogDisabled(logger, context.Request.Method, Remote(context), context.Request.Path, action);
            return Results.Json(new ErrorReport(action + " is disabled: no token configured"), EdgeJsonContext.Default.ErrorReport,
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

    /// <summary>Null when the client's address may use the admin endpoints; otherwise the 403 to send, already logged.</summary>
    public static IResult? NetworkRefusal(HttpContext context, AdminNetworks networks, ILogger logger)
    {
        if (networks.Allows(context.Connection.RemoteIpAddress))
        {
            return null;
        }

        LogOutsideNetworks(logger, context.Request.Method, Remote(context), context.Request.Path);
        return Results.Json(new ErrorReport("this address may not use the edge's admin endpoints"), EdgeJsonContext.Default.ErrorReport,
            statusCode: StatusCodes.Status403Forbidden);
    }

    public static string Remote(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "?";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected {Method} {Path} from {Remote}: {Action} is disabled, no token is configured")]
    private static partial void LogDisabled(ILogger logger, string method, string remote, PathString path, string action);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected {Method} {Path} from {Remote}: outside Edge:AdminNetworks")]
    private static partial void LogOutsideNetworks(ILogger logger, string method, string remote, PathString path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected {Method} {Path} from {Remote}: missing or wrong token")]
    private static partial void LogRejected(ILogger logger, string method, string remote, PathString path);
}
