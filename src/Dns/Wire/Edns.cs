using System.Net;

namespace EdgeCache.Dns.Wire;

/// <summary>
/// EDNS(0) (RFC 6891) as carried by an OPT record: the requester's UDP payload size, the upper 8 bits
/// of an extended response code, the version, the DO bit, and the options; Client Subnet (RFC 7871)
/// decoded when present.
/// </summary>
public sealed record Edns(ushort UdpPayloadSize, byte ExtendedResponseCode, byte Version, bool DnssecOk, IReadOnlyList<EdnsOption> Options)
{
    /// <summary>Option code of Client Subnet (RFC 7871 6).</summary>
    public const ushort ClientSubnetCode = 8;

    /// <summary>Reads the EDNS fields of an OPT record.</summary>
    public static Edns FromRecord(DnsRecord opt) => throw new NotImplementedException();

    /// <summary>The OPT record for these fields (name root, class the payload size, TTL the extended flags).</summary>
    public DnsRecord ToRecord() => throw new NotImplementedException();

    /// <summary>The Client Subnet option, decoded; null when there is none.</summary>
    /// <exception cref="DnsFormatException">More than one, a family other than 1 (IPv4) or 2 (IPv6), a source prefix longer than the family's address, too few or too many address octets, address bits set beyond the source prefix, or a scope prefix that is not 0 in a query.</exception>
    public ClientSubnet? ClientSubnet(bool inQuery) => throw new NotImplementedException();
}

/// <summary>An EDNS Client Subnet (RFC 7871 6): the client's network as an address prefix; the scope is how much of it an answer covers.</summary>
public sealed record ClientSubnet(IPAddress Address, byte SourcePrefixLength, byte ScopePrefixLength)
{
    /// <summary>The option carrying this subnet, the address truncated to the source prefix.</summary>
    public EdnsOption ToOption() => throw new NotImplementedException();
}
