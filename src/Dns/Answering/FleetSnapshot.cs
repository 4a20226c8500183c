using System.Net;

namespace EdgeCache.Dns.Answering;

/// <summary>One healthy edge as DNS answers it: an address for A/AAAA, a port for SRV.</summary>
public sealed record DnsEdge(string Id, string Region, IPAddress Address, int Port);

/// <summary>
/// The fleet as the responder sees it at one moment: the healthy (connected) edges that have an
/// IP-literal endpoint, and every region the origin knows (so a region whose edges are all down
/// still exists as a name).
/// </summary>
public sealed record FleetSnapshot(IReadOnlyList<DnsEdge> Healthy, IReadOnlyList<string> Regions)
{
    public static FleetSnapshot Empty { get; } = new([], []);
}

/// <summary>Where the responder reads the current fleet; kept fresh from the origin by the fleet watcher.</summary>
public interface IFleetView
{
    FleetSnapshot Current { get; }
}

/// <summary>Which transport a query came over: UDP answers are size-limited and may be truncated, TCP ones are whole.</summary>
public enum DnsTransport
{
    Udp,
    Tcp,
}

/// <summary>Answers one query packet; null when no answer is due (not a query, or not even a header).</summary>
public interface IDnsResponder
{
    byte[]? Respond(ReadOnlySpan<byte> query, IPAddress client, DnsTransport transport);
}
