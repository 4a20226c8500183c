namespace EdgeCache.Dns.Hosting;

/// <summary>Settings of the GeoDNS responder (<c>edgecache dns</c>), bound from the <c>Dns</c> configuration section.</summary>
public sealed class DnsOptions
{
    /// <summary>Configuration section the options are bound from.</summary>
    public const string SectionName = "Dns";

    /// <summary>Largest TTL the answers may carry: a day.</summary>
    public const uint MaxTtl = 86_400;

    /// <summary>Address and port for UDP and TCP, e.g. <c>0.0.0.0:53</c> or <c>[::]:53</c>; port 0 picks a free port (the same for both).</summary>
    public string Listen { get; set; } = "127.0.0.1:5353";

    /// <summary>The zone this server is authoritative for, e.g. <c>cdn.example.net</c>.</summary>
    public string? Zone { get; set; }

    /// <summary>The origin whose fleet (<c>GET /_admin/fleet</c>) says which edges are healthy.</summary>
    public string? Origin { get; set; }

    /// <summary>The origin's admin bearer token.</summary>
    public string? Token { get; set; }

    /// <summary>TTL of the edges' records, in seconds (0 to <see cref="MaxTtl"/>); short, so a stopped edge leaves caches soon.</summary>
    public uint Ttl { get; set; } = 30;

    /// <summary>Optional file of <c>CIDR region</c> lines mapping client networks to regions (<see cref="Geo.GeoMap"/>).</summary>
    public string? Geo { get; set; }

    /// <summary>How often the fleet is read from the origin.</summary>
    public TimeSpan FleetRefresh { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one fleet request may take before it counts as failed.</summary>
    public TimeSpan FleetTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A TCP connection is closed when a whole query (length and message) has not arrived within this long, or an answer could not be written.</summary>
    public TimeSpan TcpIdleTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>TCP connections open at once; connections beyond it are closed as they are accepted.</summary>
    public int MaxTcpConnections { get; set; } = 256;

    /// <summary>UDP datagrams answered at once (receives outstanding on the socket).</summary>
    public int UdpReceivers { get; set; } = Math.Clamp(Environment.ProcessorCount, 1, 8);
}
