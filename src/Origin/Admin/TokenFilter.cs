using EdgeCache.Replication.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Origin.Admin;

/// <summary>
/// Guards a group of endpoints (admin, feed, ack) with the bearer token: 403 when no token is
/// configured (the endpoints are off, never open), 401 for a missing or wrong one.
/// </summary>
internal sealed partial class TokenFilter(BearerToken token, string area) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        if (!token.IsConfigured)
        {
            return ValueTask.FromResult<object?>(AdminEndpoints.Error(StatusCodes.Status403Forbidden, $"the {area} is disabled: no token configured"));
        }

        if (!token.IsAuthorized(context.Request.Headers.Authorization.ToString()))
        {
            var logger = context.RequestServices.GetRequiredService<ILogger<TokenFilter>>();
            LogRejected(logger, area, context.Connection.RemoteIpAddress?.ToString() ?? "?", context.Request.Path);
            context.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
            return ValueTask.FromResult<object?>(AdminEndpoints.Error(StatusCodes.Status401Unauthorized, "a valid bearer token is required"));
        }

        return next(invocation);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected {Area} request from {Remote} to {Path}: missing or wrong token")]
    private static partial void LogRejected(ILogger logger, string area, string remote, PathString path);
}
