using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Hosting;
using EdgeCache.Edge.Proxy;
using EdgeCache.Edge.Storage;
using EdgeCache.Replication.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy;

namespace EdgeCache.Edge.Admin;

/// <summary>The edge's own endpoints under <c>/_edge/</c>, which are never proxied.</summary>
internal static partial class EdgeAdminEndpoints
{
    public const string Prefix = "/_edge";

    public static IEndpointRouteBuilder MapEdgeAdmin(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Prefix + "/health", static () => TypedResults.Json(new HealthReport("healthy"), EdgeJsonContext.Default.HealthReport))
            .WithOrder(-1);

        var token = new BearerToken(endpoints.ServiceProvider.GetRequiredService<IOptions<EdgeOptions>>().Value.Token);
        var networks = endpoints.ServiceProvider.GetRequiredService<AdminNetworks>();
        endpoints.MapGet(Prefix + "/stats", (HttpContext context, ResponseCache cache, BodyArenaHost arena, ILogger<ResponseCache> logger)
            => ReadRefusal(context, token, networks, logger)
               ?? Results.Json(cache.Statistics() with { ZeroCopyBytes = arena.ZeroCopyBytes, PackedBytes = arena.PackedBytes }, EdgeJsonContext.Default.CacheStatistics))
            .WithOrder(-1);

        endpoints.MapGet(CacheReportEndpoint.Path, (HttpContext context, ResponseCache cache, TimeProvider time, ILogger<ResponseCache> logger)
            => ReadRefusal(context, token, networks, logger) ?? CacheReportEndpoint.Handle(context, cache, time, logger))
            .WithOrder(-1);

        endpoints.MapPost(PurgeEndpoint.Path, (HttpContext context, ResponseCache cache, ILogger<ResponseCache> logger)
            => PurgeEndpoint.HandleAsync(context, cache, token, networks, logger)).WithOrder(-1);

        endpoints.MapGet(DestinationsEndpoint.Path, (HttpContext context, IProxyStateLookup proxy, DrainedDestinations drained, ILogger<DrainedDestinations> logger)
            => ReadRefusal(context, token, networks, logger) ?? Results.Json(DestinationsEndpoint.List(proxy, drained), EdgeJsonContext.Default.DestinationsReport))
            .WithOrder(-1);
        endpoints.MapPost(DestinationsEndpoint.Path + "/{cluster}/{destination}/drain",
            (HttpContext context, string cluster, string destination, IProxyStateLookup proxy, DrainedDestinations drained, TimeProvider time, ILogger<DrainedDestinations> logger)
                => DestinationsEndpoint.Change(context, cluster, destination, drain: true, proxy, drained, time, token, networks, logger))
            .WithOrder(-1);
        endpoints.MapPost(DestinationsEndpoint.Path + "/{cluster}/{destination}/restore",
            (HttpContext context, string cluster, string destination, IProxyStateLookup proxy, DrainedDestinations drained, TimeProvider time, ILogger<DrainedDestinations> logger)
                => DestinationsEndpoint.Change(context, cluster, destination, drain: false, proxy, drained, time, token, networks, logger))
            .WithOrder(-1);

        // Nothing under the admin prefix reaches an upstream.
        endpoints.Map(Prefix + "/{**rest}", static () => Results.Json(new ErrorReport("no such edge endpoint"), EdgeJsonContext.Default.ErrorReport, statusCode: StatusCodes.Status404NotFound))
            .WithOrder(-1);
        return endpoints;
    }

    /// <summary>
    /// Null when the request may read the edge's state; otherwise the 403 or 401 to send, already logged.
    /// Reading is open when no token is configured (unlike purging: see <see cref="AdminAccess"/>),
    /// but never outside <see cref="AdminNetworks"/>.
    /// </summary>
    private static IResult? ReadRefusal(HttpContext context, BearerToken token, AdminNetworks networks, ILogger logger)
    {
        if (AdminAccess.NetworkRefusal(context, networks, logger) is { } refused)
        {
            return refused;
        }

        if (!token.IsConfigured || token.IsAuthorized(context.Request.Headers.Authorization.ToString()))
        {
            return null;
        }

        LogRejected(logger, AdminAccess.Remote(context), context.Request.Path);
        context.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        return Results.Json(new ErrorReport("a valid bearer token is required"), EdgeJsonContext.Default.ErrorReport, statusCode: StatusCodes.Status401Unauthorized);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected admin request from {Remote} to {Path}: missing or wrong token")]
    private static partial void LogRejected(ILogger logger, string remote, PathString path);
}

internal sealed record HealthReport(string Status);

internal sealed record ErrorReport(string Error);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HealthReport))]
[JsonSerializable(typeof(ErrorReport))]
[JsonSerializable(typeof(CacheStatistics))]
[JsonSerializable(typeof(PurgeRequest))]
[JsonSerializable(typeof(PurgeReport))]
[JsonSerializable(typeof(DestinationsReport))]
[JsonSerializable(typeof(DestinationReport))]
internal sealed partial class EdgeJsonContext : JsonSerializerContext;
