using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.LoadBalancing;

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

    /// <summary>
    /// One destination per upstream. Several are tried in their order (the first healthy one
    /// serves): origins, which answer <paramref name="healthPath"/>, are probed actively; any
    /// upstream that fails requests is set aside for a while.
    /// </summary>
    public static ClusterConfig Cluster(IReadOnlyList<string> upstreams, string? healthPath = null)
    {
        if (upstreams.Count == 1)
        {
            return new ClusterConfig
            {
                ClusterId = ClusterId,
                Destinations = new Dictionary<string, DestinationConfig> { ["upstream"] = new() { Address = upstreams[0] } },
            };
        }

        return new ClusterConfig
        {
            ClusterId = ClusterId,
            // Named so that alphabetical order is the order given: upstream-01, upstream-02, ...
            Destinations = upstreams.Select((address, i) => (address, i))
                .ToDictionary(d => $"upstream-{d.i + 1:D2}", d => new DestinationConfig { Address = d.address }),
            LoadBalancingPolicy = LoadBalancingPolicies.FirstAlphabetical,
            HealthCheck = new HealthCheckConfig
            {
                Active = healthPath is null ? null : new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = TimeSpan.FromSeconds(2),
                    Timeout = TimeSpan.FromSeconds(1),
                    Path = healthPath,
                },
                Passive = new PassiveHealthCheckConfig { Enabled = true, ReactivationPeriod = TimeSpan.FromSeconds(10) },
            },
        };
    }
}
