using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

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

    // The OPT record's TTL field (RFC 6891 6.1.3): EXTENDED-RCODE, VERSION, DO, then Z.
    private const int ExtendedResponseCodeShift = 24;
    private const int VersionShift = 16;
    private const uint DnssecOkBit = 1 << 15;

    /// <summary>Reads the EDNS fields of an OPT record.</summary>
    /// <exception cref="ArgumentException">The record is not an OPT record carrying <see cref="OptData"/>.</exception>
    public static Edns FromRecord(DnsRecord opt)
    {
        ArgumentNullException.ThrowIfNull(opt);
        if (opt.Type != DnsType.OPT || opt.Data is not OptData data)
        {
            throw new ArgumentException($"A {opt.Type} record with {opt.Data} is not an OPT record.", nameof(opt));
        }

        return new Edns(
            UdpPayloadSize: opt.Class,
            ExtendedResponseCode: (byte)(opt.Ttl >> ExtendedResponseCodeShift),
            Version: (byte)(opt.Ttl >> VersionShift),
            DnssecOk: (opt.Ttl & DnssecOkBit) != 0,
            data.Options);
    }

    /// <summary>The OPT record for these fields (name root, class the payload size, TTL the extended flags).</summary>
    public DnsRecord ToRecord()
    {
        var ttl = ((uint)ExtendedResponseCode << ExtendedResponseCodeShift) | ((uint)Version << VersionShift) | (DnssecOk ? DnssecOkBit : 0);
        return new DnsRecord(DnsName.Root, DnsType.OPT, UdpPayloadSize, ttl, new OptData(Options));
    }

    /// <summary>The Client Subnet option, decoded; null when there is none.</summary>
    /// <exception cref="DnsFormatException">More than one, a family other than 1 (IPv4) or 2 (IPv6), a source prefix longer than the family's address, too few or too many address octets, address bits set beyond the source prefix, or a scope prefix that is not 0 in a query.</exception>
    public ClientSubnet? ClientSubnet(bool inQuery)
    {
        EdnsOption? found = null;
        foreach (var option in Options)
        {
            if (option.Code != ClientSubnetCode)
            {
                continue;
            }

            if (found is not null)
            {
                throw new DnsFormatException("The OPT record has more than one Client Subnet option.");
            }

            found = option;
        }

        return found is null ? null : Wire.ClientSubnet.FromOptionData(found.Data, inQuery);
    }
}

/// <summary>An EDNS Client Subnet (RFC 7871 6): the client's network as an address prefix; the scope is how much of it an answer covers.</summary>
public sealed record ClientSubnet(IPAddress Address, byte SourcePrefixLength, byte ScopePrefixLength)
{
    // FAMILY (RFC 7871 6, IANA address family numbers), then the two prefix lengths.
    private const ushort IPv4Family = 1;
    private const ushort IPv6Family = 2;
    private const int FixedLength = 2 + 1 + 1;

    /// <summary>The option carrying this subnet, the address truncated to the source prefix.</summary>
    /// <exception cref="InvalidOperationException">The address is neither IPv4 nor IPv6, or a prefix length is longer than the address.</exception>
    public EdnsOption ToOption()
    {
        var (family, addressLength) = Address.AddressFamily switch
        {
            AddressFamily.InterNetwork => (IPv4Family, 4),
            AddressFamily.InterNetworkV6 => (IPv6Family, 16),
            _ => throw new InvalidOperationException($"Client Subnet carries IPv4 or IPv6 addresses, not {Address.AddressFamily}."),
        };
        if (SourcePrefixLength > addressLength * 8 || ScopePrefixLength > addressLength * 8)
        {
            throw new InvalidOperationException($"Prefix lengths {SourcePrefixLength} and {ScopePrefixLength} do not fit a {addressLength * 8}-bit address.");
        }

        Span<byte> address = stackalloc byte[16];
        Address.TryWriteBytes(address, out _);
        var prefixOctets = (SourcePrefixLength + 7) / 8;
        var data = new byte[FixedLength + prefixOctets];
        BinaryPrimitives.WriteUInt16BigEndian(data, family);
        data[2] = SourcePrefixLength;
        data[3] = ScopePrefixLength;
        address[..prefixOctets].CopyTo(data.AsSpan(FixedLength));
        if (SourcePrefixLength % 8 != 0)
        {
            data[^1] &= HighBits(SourcePrefixLength % 8);
        }

        return new EdnsOption(Edns.ClientSubnetCode, data);
    }

    /// <summary>Decodes a Client Subnet option's data as RFC 7871 6 and 7.1.1 ask a server to check it.</summary>
    internal static ClientSubnet FromOptionData(ReadOnlySpan<byte> data, bool inQuery)
    {
        if (data.Length < FixedLength)
        {
            throw new DnsFormatException($"A Client Subnet option has {data.Length} octets, too few for family and prefix lengths.");
        }

        var family = BinaryPrimitives.ReadUInt16BigEndian(data);
        var source = data[2];
        var scope = data[3];
        var address = data[FixedLength..];
        var addressLength = family switch
        {
            IPv4Family => 4,
            IPv6Family => 16,
            _ => throw new DnsFormatException($"Client Subnet family {family} is neither 1 (IPv4) nor 2 (IPv6)."),
        };
        if (source > addressLength * 8 || scope > addressLength * 8)
        {
            throw new DnsFormatException($"Client Subnet prefix lengths {source} (source) and {scope} (scope) do not fit a {addressLength * 8}-bit address.");
        }

        if (inQuery && scope != 0)
        {
            throw new DnsFormatException($"A query's Client Subnet scope prefix length must be 0, not {scope}.");
        }

        var prefixOctets = (source + 7) / 8;
        if (address.Length != prefixOctets)
        {
            throw new DnsFormatException($"A /{source} Client Subnet address has {address.Length} octets, not {prefixOctets}.");
        }

        if (source % 8 != 0 && (address[^1] & ~HighBits(source % 8)) != 0)
        {
            throw new DnsFormatException($"The Client Subnet address has bits set beyond its /{source} prefix.");
        }

        Span<byte> full = stackalloc byte[addressLength];
        full.Clear();
        address.CopyTo(full);
        return new ClientSubnet(new IPAddress(full), source, scope);
    }

    /// <summary>An octet with its top <paramref name="count"/> bits set (1-7).</summary>
    private static byte HighBits(int count) => (byte)(0xFF << (8 - count));
}
