using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Model;

namespace EdgeCache.Edge.Proxy;

/// <summary>
/// Takes drained destinations (<see cref="DrainedDestinations"/>) out of a request's choice, before
/// session affinity and load balancing. When every available destination is drained the request
/// still goes to one of them: a drain moves traffic, it never turns it away.
/// </summary>
internal sealed partial class DrainFilterMiddleware(RequestDelegate next, DrainedDestinations drained, ILogger<DrainFilterMiddleware> logger)
{
    private long _lastAllDrainedLog = -10_000;

    public Task InvokeAsync(HttpContext context)
    {
        if (drained.IsEmpty)
        {
            return next(context);
        }

        var proxy = context.GetReverseProxyFeature();
        var cluster = proxy.Cluster.Config.ClusterId;
        var available = proxy.AvailableDestinations;
        List<DestinationState>? kept = null;
        for (var i = 0; i < available.Count; i++)
        {
            var destination = available[i];
            if (drained.DrainingSince(cluster, destination.DestinationId) is null)
            {
                kept?.Add(destination);
            }
            else if (kept is null)
            {
                kept = new List<DestinationState>(available.Count);
                for (var j = 0; j < i; j++)
                {
                    kept.Add(available[j]);
                }
            }
        }

        if (kept is not null)
        {
            if (kept.Count > 0)
            {
                proxy.AvailableDestinations = kept;
            }
            else if (Environment.TickCount64 is var now && now - Interlocked.Read(ref _lastAllDrainedLog) >= 10_000)
            {
                // Once per 10 s: under load this would otherwise be a line per request.
                Interlocked.Exchange(ref _lastAllDrainedLog, now);
                LogAllDrained(logger, cluster, context.Request.Path);
            }
        }

        return next(context);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Every available destination of cluster {Cluster} is draining; {Path} goes to one of them anyway")]
    private static partial void LogAllDrained(ILogger logger, string cluster, PathString path);
}
