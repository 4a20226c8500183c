using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace EdgeCache.Edge.Proxy;

/// <summary>
/// Sends an idempotent request without a body once more, to another available destination, when
/// the first one failed before any byte of its response arrived (refused, reset, closed before
/// answering): the client never learns that a back-end went away. Anything that may have had an
/// effect (a POST, a request with a body) or already reached the client, and a timeout (which
/// would double the wait), keeps its error.
/// </summary>
/// <remarks>
/// Sits in YARP's pipeline before session affinity and load balancing, so the second attempt is
/// balanced again over the destinations left; the cache's own fetches run through it too.
/// </remarks>
internal sealed partial class UpstreamRetryMiddleware(RequestDelegate next, ILogger<UpstreamRetryMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
        => IsRetryable(context) ? ForwardWithRetryAsync(context) : next(context);

    private static bool IsRetryable(HttpContext context)
    {
        var method = context.Request.Method;
        // RFC 9110 section 9.2.2: these may be repeated without a different effect.
        return (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
                || HttpMethods.IsTrace(method) || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method))
            && context.Features.Get<IHttpRequestBodyDetectionFeature>() is not { CanHaveBody: true };
    }

    private async Task ForwardWithRetryAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        var candidates = proxy.AvailableDestinations;
        await next(context);

        if (context.Features.Get<IForwarderErrorFeature>() is not { Error: ForwarderError.Request } error
            || context.Response.HasStarted
            || context.RequestAborted.IsCancellationRequested
            || proxy.ProxiedDestination is not { } failed)
        {
            return;
        }

        var others = Others(candidates, failed);
        if (others.Count == 0)
        {
            return;
        }

        LogRetrying(logger, context.Request.Method, context.Request.Path, failed.Model.Config.Address, error.Exception?.Message ?? error.Error.ToString());
        context.Features.Set<IForwarderErrorFeature>(null);
        context.Response.StatusCode = StatusCodes.Status200OK;
        proxy.AvailableDestinations = others;
        proxy.ProxiedDestination = null;
        await next(context);
    }

    private static List<DestinationState> Others(IReadOnlyList<DestinationState> candidates, DestinationState failed)
    {
        var others = new List<DestinationState>(candidates.Count);
        foreach (var destination in candidates)
        {
            if (!ReferenceEquals(destination, failed))
            {
                others.Add(destination);
            }
        }

        return others;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retrying {Method} {Path} on another destination: {Destination} failed before answering ({Reason})")]
    private static partial void LogRetrying(ILogger logger, string method, PathString path, string destination, string reason);
}
