using EdgeCache.Edge.Hosting;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeCache.Edge.Proxy;

/// <summary>Gives every cluster that sets no activity timeout of its own the edge's <see cref="EdgeOptions.UpstreamTimeout"/>.</summary>
internal sealed class UpstreamTimeoutConfigFilter : IProxyConfigFilter
{
    private readonly TimeSpan _timeout;

    public UpstreamTimeoutConfigFilter(IOptions<EdgeOptions> options) => _timeout = options.Value.UpstreamTimeout;

    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel)
    {
        if (cluster.HttpRequest?.ActivityTimeout is not null)
        {
            return ValueTask.FromResult(cluster);
        }

        var request = (cluster.HttpRequest ?? new ForwarderRequestConfig()) with { ActivityTimeout = _timeout };
        return ValueTask.FromResult(cluster with { HttpRequest = request });
    }

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel)
        => ValueTask.FromResult(route);
}
