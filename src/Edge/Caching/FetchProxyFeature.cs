using Yarp.ReverseProxy.Model;

namespace EdgeCache.Edge.Caching;

/// <summary>The route and cluster of the client request, carried over to its detached upstream fetch.</summary>
internal sealed class FetchProxyFeature : IReverseProxyFeature
{
    public FetchProxyFeature(IReverseProxyFeature client)
    {
        Route = client.Route;
        Cluster = client.Cluster;
        AllDestinations = client.AllDestinations;
        AvailableDestinations = client.AvailableDestinations;
    }

    public RouteModel Route { get; }

    public ClusterModel Cluster { get; }

    public IReadOnlyList<DestinationState> AllDestinations { get; }

    public IReadOnlyList<DestinationState> AvailableDestinations { get; set; }

    public DestinationState? ProxiedDestination { get; set; }
}
