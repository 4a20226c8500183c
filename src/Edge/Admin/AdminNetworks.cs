using System.Net;

namespace EdgeCache.Edge.Admin;

/// <summary>
/// The client networks allowed to use the edge's admin endpoints and <c>PURGE</c>
/// (<c>Edge:AdminNetworks</c>, CIDRs such as <c>10.0.0.0/8</c>), in addition to the token; empty
/// allows every address. The health check stays open to all: load balancers ask it.
/// </summary>
internal sealed class AdminNetworks
{
    private readonly IPNetwork[] _networks;

    private AdminNetworks(IPNetwork[] networks) => _networks = networks;

    /// <summary>Parses <paramref name="cidrs"/>; null, with the problems, when one is not a network.</summary>
    public static AdminNetworks? TryParse(IEnumerable<string> cidrs, out List<string> problems)
    {
        problems = [];
        var networks = new List<IPNetwork>();
        foreach (var cidr in cidrs)
        {
            if (IPNetwork.TryParse(cidr, out var network))
            {
                networks.Add(network);
            }
            else
            {
                problems.Add($"admin network '{cidr}' is not a CIDR such as 10.0.0.0/8 or ::1/128");
            }
        }

        return problems.Count == 0 ? new AdminNetworks([.. networks]) : null;
    }

    /// <summary>Whether <paramref name="client"/> may use the admin endpoints.</summary>
    public bool Allows(IPAddress? client)
    {
        if (_networks.Length == 0)
        {
            return true;
        }

        if (client is null)
        {
            return false;
        }

        var address = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        return Array.Exists(_networks, network => network.Contains(address));
    }
}
