using System.Text;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeCache.Edge.Proxy;

/// <summary>The short, stack-trace-free answers a client gets when the upstream fails.</summary>
internal static class UpstreamErrorResponse
{
    private static readonly byte[] Unreachable = Encoding.ASCII.GetBytes("502 Bad Gateway: the upstream server could not be reached.\n");
    private static readonly byte[] TimedOut = Encoding.ASCII.GetBytes("504 Gateway Timeout: the upstream server did not answer in time.\n");
    /// <summary>The body of a 504 for a stored response that must be revalidated when the upstream cannot be reached.</summary>
    public static readonly byte[] MustRevalidate = Encoding.ASCII.GetBytes("504 Gateway Timeout: the stored response must be revalidated and the upstream server could not be reached.\n");

    private static readonly byte[] NoDestination = Encoding.ASCII.GetBytes("503 Service Unavailable: no healthy upstream server.\n");

    public static (int Status, byte[] Body, string Detail) For(ForwarderError error, int statusSetByForwarder) => error switch
    {
        ForwarderError.RequestTimedOut => (StatusCodes.Status504GatewayTimeout, TimedOut, "upstream-timeout"),
        ForwarderError.NoAvailableDestinations => (StatusCodes.Status503ServiceUnavailable, NoDestination, "no-upstream"),
        _ when statusSetByForwarder == StatusCodes.Status504GatewayTimeout => (StatusCodes.Status504GatewayTimeout, TimedOut, "upstream-timeout"),
        _ => (StatusCodes.Status502BadGateway, Unreachable, "upstream-unreachable"),
    };
}
