using System.Net.Sockets;

namespace EdgeCache.Dns.Wire;

/// <summary>Puts a whole message on the wire: header counts from the sections, names compressed where RFC 1035 and RFC 3597 allow it.</summary>
internal static class DnsMessageWriter
{
    /// <exception cref="InvalidOperationException">A section with more than 65535 entries, a record whose data does not fit its type, or a message over 65535 octets.</exception>
    public static byte[] Write(DnsMessage message)
    {
        var writer = new DnsWriter();
        writer.WriteUInt16(message.Header.Id);
        writer.WriteUInt16(DnsHeaderCodec.Encode(message.Header));
        writer.WriteUInt16(Count(message.Questions.Count, "questions"));
        writer.WriteUInt16(Count(message.Answers.Count, "answers"));
        writer.WriteUInt16(Count(message.Authorities.Count, "authority records"));
        writer.WriteUInt16(Count(message.Additionals.Count, "additional records"));

        foreach (var question in message.Questions)
        {
            writer.WriteName(question.Name, compress: true);
            writer.WriteUInt16((ushort)question.Type);
            writer.WriteUInt16((ushort)question.Class);
        }

        WriteRecords(writer, message.Answers);
        WriteRecords(writer, message.Authorities);
        WriteRecords(writer, message.Additionals);
        return writer.ToArray();
    }

    private static ushort Count(int count, string section)
        => count <= ushort.MaxValue ? (ushort)count : throw new InvalidOperationException($"{count} {section} do not fit a 16-bit count.");

    private static void WriteRecords(DnsWriter writer, IReadOnlyList<DnsRecord> records)
    {
        foreach (var record in records)
        {
            // OPT's owner is always the root (RFC 6891 6.1.2); nothing else is meaningful there.
            writer.WriteName(record.Type == DnsType.OPT ? DnsName.Root : record.Name, compress: true);
            writer.WriteUInt16((ushort)record.Type);
            writer.WriteUInt16(record.Class);
            writer.WriteUInt32(record.Ttl);
            var lengthAt = writer.ReserveUInt16();
            var start = writer.Length;
            WriteData(writer, record);
            var length = writer.Length - start;
            if (length > ushort.MaxValue)
            {
                throw new InvalidOperationException($"The {record.Type} record for {record.Name} has {length} octets of data, over 65535.");
            }

            writer.PatchUInt16(lengthAt, (ushort)length);
        }
    }

    private static void WriteData(DnsWriter writer, DnsRecord record)
    {
        switch (record.Data)
        {
            case RawData raw:
                writer.WriteBytes(raw.Data);
                break;

            case AddressData address when IsFamilyOf(record.Type, address):
                Span<byte> octets = stackalloc byte[16];
                address.Address.TryWriteBytes(octets, out var written);
                writer.WriteBytes(octets[..written]);
                break;

            case NameData name when record.Type is DnsType.NS or DnsType.CNAME or DnsType.PTR:
                writer.WriteName(name.Name, compress: true);
                break;

            case SoaData soa when record.Type == DnsType.SOA:
                writer.WriteName(soa.PrimaryServer, compress: true);
                writer.WriteName(soa.Mailbox, compress: true);
                writer.WriteUInt32(soa.Serial);
                writer.WriteUInt32(soa.Refresh);
                writer.WriteUInt32(soa.Retry);
                writer.WriteUInt32(soa.Expire);
                writer.WriteUInt32(soa.Minimum);
                break;

            case SrvData srv when record.Type == DnsType.SRV:
                writer.WriteUInt16(srv.Priority);
                writer.WriteUInt16(srv.Weight);
                writer.WriteUInt16(srv.Port);
                // RFC 2782: "name compression is not to be used for this field".
                writer.WriteName(srv.Target, compress: false);
                break;

            case OptData opt when record.Type == DnsType.OPT:
                foreach (var option in opt.Options)
                {
                    if (option.Data.Length > ushort.MaxValue)
                    {
                        throw new InvalidOperationException($"EDNS option {option.Code} has {option.Data.Length} octets, over 65535.");
                    }

                    writer.WriteUInt16(option.Code);
                    writer.WriteUInt16((ushort)option.Data.Length);
                    writer.WriteBytes(option.Data);
                }

                break;

            default:
                throw new InvalidOperationException($"A {record.Type} record cannot carry {record.Data}.");
        }
    }

    private static bool IsFamilyOf(DnsType type, AddressData address) => type switch
    {
        DnsType.A => address.Address.AddressFamily == AddressFamily.InterNetwork,
        DnsType.AAAA => address.Address.AddressFamily == AddressFamily.InterNetworkV6,
        _ => false,
    };
}
