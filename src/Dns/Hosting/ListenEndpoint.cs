using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace EdgeCache.Dns.Hosting;

/// <summary>The <c>IP:PORT</c> a DNS server listens on: <c>127.0.0.1:5353</c>, <c>[::1]:53</c>; a port is required, 0 picks a free one.</summary>
internal static class ListenEndpoint
{
    public static bool TryParse(string? text, out IPEndPoint endpoint)
    {
        endpoint = null!;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        // IPEndPoint.TryParse alone would take a bare address as port 0, and "::1:53" as an IPv6 address.
        var colon = text.LastIndexOf(':');
        if (colon <= 0
            || !ushort.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            return false;
        }

        var host = text.AsSpan(0, colon);
        var bracketed = host.Length > 2 && host[0] == '[' && host[^1] == ']';
        if (bracketed)
        {
            host = host[1..^1];
        }

        if (host.Contains('%') || !IPAddress.TryParse(host, out var address))
        {
            return false;
        }

        // IPv6 needs its brackets, IPv4 must not have them nor a legacy form (127.1 is 127.0.0.1).
        if (bracketed != (address.AddressFamily == AddressFamily.InterNetworkV6)
            || (!bracketed && !host.SequenceEqual(address.ToString())))
        {
            return false;
        }

        endpoint = new IPEndPoint(address, port);
        return true;
    }
}
