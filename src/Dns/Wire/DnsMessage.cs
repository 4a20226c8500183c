using System.Net;

namespace EdgeCache.Dns.Wire;

/// <summary>The 12-octet header (RFC 1035 4.1.1) without its counts, which follow from the sections.</summary>
/// <param name="ResponseCode">The low 4 bits of the response code; an extended code's upper bits are in the OPT record.</param>
public sealed record DnsHeader(
    ushort Id,
    bool IsResponse,
    DnsOpcode Opcode,
    bool Authoritative,
    bool Truncated,
    bool RecursionDesired,
    bool RecursionAvailable,
    bool AuthenticData,
    bool CheckingDisabled,
    byte ResponseCode);

/// <summary>One question (RFC 1035 4.1.2).</summary>
public sealed record DnsQuestion(DnsName Name, DnsType Type, DnsClass Class);

/// <summary>What a resource record holds, by type.</summary>
public abstract record DnsRecordData;

/// <summary>A or AAAA: one address (IPv4 for A, IPv6 for AAAA).</summary>
public sealed record AddressData(IPAddress Address) : DnsRecordData;

/// <summary>NS, CNAME, PTR: one name.</summary>
public sealed record NameData(DnsName Name) : DnsRecordData;

/// <summary>SOA (RFC 1035 3.3.13).</summary>
public sealed record SoaData(DnsName PrimaryServer, DnsName Mailbox, uint Serial, uint Refresh, uint Retry, uint Expire, uint Minimum) : DnsRecordData;

/// <summary>SRV (RFC 2782).</summary>
public sealed record SrvData(ushort Priority, ushort Weight, ushort Port, DnsName Target) : DnsRecordData;

/// <summary>One EDNS option (RFC 6891 6.1.2): its code and raw data.</summary>
public sealed record EdnsOption(ushort Code, byte[] Data);

/// <summary>OPT's options; the OPT record's class and TTL fields are the UDP payload size and the extended flags (see <see cref="Edns"/>).</summary>
public sealed record OptData(IReadOnlyList<EdnsOption> Options) : DnsRecordData;

/// <summary>Any other type: the RDATA octets as they came.</summary>
public sealed record RawData(byte[] Data) : DnsRecordData;

/// <summary>One resource record (RFC 1035 4.1.3). <paramref name="Class"/> and <paramref name="Ttl"/> are raw: OPT uses them for other things.</summary>
public sealed record DnsRecord(DnsName Name, DnsType Type, ushort Class, uint Ttl, DnsRecordData Data);

/// <summary>
/// A whole DNS message: header, questions, answers, authority and additional records. Parsing
/// checks every length and pointer and throws <see cref="DnsFormatException"/> on anything
/// malformed, never another exception; writing compresses names (RFC 1035 4.1.4).
/// </summary>
public sealed record DnsMessage(
    DnsHeader Header,
    IReadOnlyList<DnsQuestion> Questions,
    IReadOnlyList<DnsRecord> Answers,
    IReadOnlyList<DnsRecord> Authorities,
    IReadOnlyList<DnsRecord> Additionals)
{
    /// <summary>The header of a packet, when at least its 12 octets are there; what a server needs to answer FORMERR to a malformed rest.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> packet, out DnsHeader header, out ushort questionCount)
        => throw new NotImplementedException();

    /// <summary>Parses a whole message.</summary>
    /// <exception cref="DnsFormatException">Short, too long, bad counts, labels over 63 octets, names over 255, compression pointers that loop or point forward, RDATA whose length does not match its type (A 4, AAAA 16, names that do not end where RDATA ends), trailing octets.</exception>
    public static DnsMessage Parse(ReadOnlySpan<byte> packet) => throw new NotImplementedException();

    /// <summary>The message on the wire, names compressed.</summary>
    public byte[] Write() => throw new NotImplementedException();

    /// <summary>The EDNS information of the message's OPT record, if it has exactly one.</summary>
    /// <exception cref="DnsFormatException">More than one OPT record, or an OPT record whose name is not the root or that is not in the additional section.</exception>
    public Edns? Edns => throw new NotImplementedException();
}
