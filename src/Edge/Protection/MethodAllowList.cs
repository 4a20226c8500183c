using System.Runtime.CompilerServices;
using EdgeCache.Edge.Hosting;
using EdgeCache.Edge.Proxy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace EdgeCache.Edge.Protection;

/// <summary>
/// The methods a route accepts: a YARP route's <c>Metadata.AllowedMethods</c> (<c>"GET, HEAD"</c>),
/// or <c>Edge:AllowedMethods</c> for the default route to <c>--upstream</c>. Any other method is
/// answered 405 with <c>Allow</c> and never forwarded. No list allows every method.
/// </summary>
internal sealed partial class MethodAllowList(RequestDelegate next, IOptions<EdgeOptions> options, ILogger<MethodAllowList> logger)
{
    /// <summary>The route metadata key that lists a route's methods.</summary>
    public const string MetadataKey = "AllowedMethods";

    private readonly string[] _defaultMethods = options.Value.AllowedMethods;

    // Parsed once per route configuration (a reload makes new ones), not per request.
    private readonly ConditionalWeakTable<RouteConfig, string[]> _parsed = [];

    public Task InvokeAsync(HttpContext context)
    {
        var route = context.Features.Get<IReverseProxyFeature>()?.Route.Config;
        var allowed = route is null ? [] : _parsed.TryGetValue(route, out var known) ? known : _parsed.GetValue(route, Parse);
        if (allowed.Length == 0 || Array.Exists(allowed, m => string.Equals(m, context.Request.Method, StringComparison.OrdinalIgnoreCase)))
        {
            return next(context);
        }

        LogRefused(logger, context.Request.Method, context.Request.Path, route?.RouteId ?? "?", context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
        context.Response.Headers.Allow = string.Join(", ", allowed);
        context.Response.Headers.CacheControl = "no-store";
        return Task.CompletedTask;
    }

    private string[] Parse(RouteConfig route)
        => route.Metadata?.TryGetValue(MetadataKey, out var listed) == true
            ? listed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : route.RouteId == DefaultUpstream.RouteId ? _defaultMethods : [];

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused {Method} {Path} from {Client}: route {Route} does not allow the method")]
    private static partial void LogRefused(ILogger logger, string method, PathString path, string route, string client);
}
