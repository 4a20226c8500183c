using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Edge.Protection;

/// <summary>
/// Refuses a request whose declared body is over <c>Edge:Limits:MaxBodySize</c> with 413 before it
/// is forwarded. Kestrel enforces the limit only as the body is read, by which time the proxy
/// would have started the request upstream and could only answer 502.
/// </summary>
internal sealed partial class RequestBodyLimitMiddleware(RequestDelegate next, ILogger<RequestBodyLimitMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentLength is { } declared
            && context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } limit
            && declared > limit)
        {
            LogRefused(logger, context.Connection.RemoteIpAddress?.ToString() ?? "unknown", declared, limit);
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            context.Response.Headers.Connection = "close";
            return Task.CompletedTask;
        }

        return next(context);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a request from {Client} with a {Declared}-byte body: the limit is {Limit}")]
    private static partial void LogRefused(ILogger logger, string client, long declared, long limit);
}
