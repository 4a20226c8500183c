using EdgeCache.Edge.Proxy;
using EdgeCache.Replication.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace EdgeCache.Edge.Admin;

/// <summary>
/// The back-ends this edge proxies to: <c>GET /_edge/destinations</c> lists every cluster's
/// destinations with their health, whether they are draining and how many requests they are
/// serving; <c>POST /_edge/destinations/{cluster}/{destination}/drain</c> stops new requests to
/// one, <c>…/restore</c> sends them again. A drain is done when its <c>inFlight</c> reaches 0.
/// </summary>
internal static partial class DestinationsEndpoint
{
    public const string Path = EdgeAdminEndpoints.Prefix + "/destinations";

    public static DestinationsReport List(IProxyStateLookup proxy, DrainedDestinations drained)
        => new([.. proxy.GetClusters().OrderBy(cluster => cluster.ClusterId, StringComparer.Ordinal)
            .SelectMany(cluster => cluster.Destinations.Values
                .OrderBy(destination => destination.DestinationId, StringComparer.Ordinal)
                .Select(destination => Report(cluster, destination, drained)))]);

    public static IResult Change(
        HttpContext context, string cluster, string destination, bool drain,
        IProxyStateLookup proxy, DrainedDestinations drained, TimeProvider time, BearerToken token, AdminNetworks networks, ILogger logger)
    {
        if (AdminAccess.ChangeRefusal(context, token, networks, logger, "draining") is { } refusal)
        {
            return refusal;
        }

        if (!proxy.TryGetCluster(cluster, out var clusterState) || !clusterState.Destinations.TryGetValue(destination, out var destinationState))
        {
            LogUnknown(logger, AdminAccess.Remote(context), cluster, destination);
            return Results.Json(new ErrorReport($"no destination '{destination}' in cluster '{cluster}'"), EdgeJsonContext.Default.ErrorReport,
                statusCode: StatusCodes.Status404NotFound);
        }

        if (drain)
        {
            drained.Drain(cluster, destination, time.GetUtcNow());
            LogDraining(logger, cluster, destination, destinationState.Model.Config.Address, destinationState.ConcurrentRequestCount, AdminAccess.Remote(context));
        }
        else
        {
            drained.Restore(cluster, destination);
            LogRestored(logger, cluster, destination, destinationState.Model.Config.Address, AdminAccess.Remote(context));
        }

        return Results.Json(Report(clusterState, destinationState, drained), EdgeJsonContext.Default.DestinationReport);
    }

    private static DestinationReport Report(ClusterState cluster, DestinationState destination, DrainedDestinations drained)
        => new(
            cluster.ClusterId,
            destination.DestinationId,
            destination.Model.Config.Address,
            destination.Health.Active.ToString(),
            destination.Health.Passive.ToString(),
            drained.DrainingSince(cluster.ClusterId, destination.DestinationId),
            destination.ConcurrentRequestCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Draining destination {Destination} ({Address}) of cluster {Cluster} at the request of {Remote}; {InFlight} requests in flight")]
    private static partial void LogDraining(ILogger logger, string cluster, string destination, string address, int inFlight, string remote);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Destination {Destination} ({Address}) of cluster {Cluster} gets requests again, at the request of {Remote}")]
    private static partial void LogRestored(ILogger logger, string cluster, string destination, string address, string remote);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a drain from {Remote}: no destination {Destination} in cluster {Cluster}")]
    private static partial void LogUnknown(ILogger logger, string remote, string cluster, string destination);
}

/// <summary>Every destination of every cluster.</summary>
internal sealed record DestinationsReport(IReadOnlyList<DestinationReport> Destinations);

/// <summary>
/// One destination: its health as the active and passive checks see it (<c>Unknown</c>, <c>Healthy</c>,
/// <c>Unhealthy</c>), since when it is draining (null: it is not), and the requests it is serving now.
/// </summary>
internal sealed record DestinationReport(
    string Cluster, string Destination, string Address, string ActiveHealth, string PassiveHealth, DateTimeOffset? DrainingSince, int InFlight);
