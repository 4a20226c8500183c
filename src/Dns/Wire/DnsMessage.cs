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
    {
        if (packet.Length < DnsHeaderCodec.Length)
        {
            header = null!;
            questionCount = 0;
            return false;
        }

        var reader = new DnsReader(packet);
        header = DnsHeaderCodec.Decode(reader.ReadUInt16(), reader.ReadUInt16());
        questionCount = reader.ReadUInt16();
        return true;
    }

    /// <summary>Parses a whole message.</summary>
    /// <exception cref="DnsFormatException">Short, too long, bad counts, labels over 63 octets, names over 255, compression pointers that loop or point forward, RDATA whose length does not match its type (A 4, AAAA 16, names that do not end where RDATA ends), trailing octets.</exception>
    public static DnsMessage Parse(ReadOnlySpan<byte> packet) => DnsMessageParser.Parse(packet);

    /// <summary>The message on the wire, names compressed.</summary>
    /// <exception cref="InvalidOperationException">A section with more than 65535 entries, an opcode or response code over 4 bits, a record whose data does not fit its type (an A record's address must be IPv4, an NS record's data a name, ...), or a message over 65535 octets.</exception>
    public byte[] Write() => DnsMessageWriter.Write(this);

    /// <summary>The EDNS information of the message's OPT record, if it has exactly one.</summary>
    /// <exception cref="DnsFormatException">More than one OPT record, or an OPT record whose name is not the root or that is not in the additional section.</exception>
    public Edns? Edns
    {
        get
        {
            RefuseOpt(Answers, "answer");
            RefuseOpt(Authorities, "authority");
            DnsRecord? opt = null;
            foreach (var record in Additionals)
            {
                if (record.Type != DnsType.OPT)
                {
                    continue;
                }

                if (opt is not null)
                {
                    throw new DnsFormatException("The message has more than one OPT record.");
                }

                if (!record.Name.Equals(DnsName.Root))
                {
                    throw new DnsFormatException($"The OPT record's name is {record.Name}, not the root.");
                }

                opt = record;
            }

            return opt is null ? null : Edns.FromRecord(opt);
        }
    }

    private static void RefuseOpt(IReadOnlyList<DnsRecord> section, string name)
    {
        foreach (var record in section)
        {
            if (record.Type == DnsType.OPT)
            {
                throw new DnsFormatException($"An OPT record is in the {name} section; it belongs in the additional section.");
            }
        }
    }
}
