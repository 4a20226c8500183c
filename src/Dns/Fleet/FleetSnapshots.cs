using System.Net;
using System.Net.Sockets;
using EdgeCache.Dns.Answering;
using EdgeCache.Replication.Fleet;

namespace EdgeCache.Dns.Fleet;

/// <summary>Turns the origin's fleet report into what DNS can answer.</summary>
public static class FleetSnapshots
{
    /// <summary>
    /// The connected edges whose endpoint is an absolute http(s) URL with an IP-literal host (its
    /// port, else 80 or 443), ordered by region then id, and every region of the report, connected
    /// or not, in ordinal order.
    /// </summary>
    public static FleetSnapshot From(FleetReport report) => From(report, out _);

    /// <summary>As <see cref="From(FleetReport)"/>; <paramref name="unaddressable"/> lists the connected edges left out for their endpoint.</summary>
    public static FleetSnapshot From(FleetReport report, out IReadOnlyList<EdgeReport> unaddressable)
    {
        ArgumentNullException.ThrowIfNull(report);
        var healthy = new List<DnsEdge>();
        var skipped = new List<EdgeReport>();
        foreach (var edge in report.Edges)
        {
            if (!edge.Connected)
            {
                continue;
            }

            if (AddressOf(edge.Endpoint) is { } address)
            {
                healthy.Add(new DnsEdge(edge.Id, edge.Region, address.Address, address.Port));
            }
            else
            {
                skipped.Add(edge);
            }
        }

        var regions = report.Edges.Select(e => e.Region).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        unaddressable = skipped;
        return new FleetSnapshot(
            [.. healthy.OrderBy(e => e.Region, StringComparer.Ordinal).ThenBy(e => e.Id, StringComparer.Ordinal)],
            regions);
    }

    /// <summary>
    /// The address and port of an http(s) endpoint whose host is an IP literal; null for a host name
    /// (DNS would have to resolve it, and an A record cannot point at a name), another scheme, or an
    /// unspecified address (0.0.0.0, ::), which no client can connect to.
    /// </summary>
    public static IPEndPoint? AddressOf(string? endpoint)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https")
            || uri.HostNameType is not (UriHostNameType.IPv4 or UriHostNameType.IPv6)
            || !IPAddress.TryParse(uri.Host.AsSpan().Trim("[]"), out var address))
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return null;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // A zone (fe80::1%eth0) means something on the origin's host only.
            address.ScopeId = 0;
        }

        return new IPEndPoint(address, uri.Port);
    }
}
