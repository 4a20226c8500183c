using Yarp.ReverseProxy.Configuration;

namespace EdgeCache.Edge.Proxy;

/// <summary>The catch-all route to <c>--upstream</c>: every path no configured route claims goes there.</summary>
internal static class DefaultUpstream
{
    public const string RouteId = "edgecache-default";
    public const string ClusterId = "edgecache-default";

    public static RouteConfig Route() => new()
    {
        RouteId = RouteId,
        ClusterId = ClusterId,
        // Configured routes win: this one is tried last.
        Order = int.MaxValue,
        Match = new RouteMatch { Path = "/{**catch-all}" },
    };

    public static ClusterConfig Cluster(string upstream) => new()
    {
        ClusterId = ClusterId,
        Destinations = new Dictionary<string, DestinationConfig>
        {
            ["upstream"] = new() { Address = upstream },
        },
    };
}
