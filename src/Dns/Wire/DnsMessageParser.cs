using System.Net;

namespace EdgeCache.Dns.Wire;

/// <summary>Reads a whole message from the wire, checking every count, length and pointer against the packet.</summary>
internal static class DnsMessageParser
{
    // The least a question or record can take (a root name, then the fixed fields): counts that
    // need more octets than are left are refused before anything is allocated for them.
    private const int MinQuestionLength = 1 + 2 + 2;
    private const int MinRecordLength = 1 + 2 + 2 + 4 + 2;

    private const int SoaFixedLength = 5 * 4;
    private const int SrvFixedLength = 3 * 2;
    private const int OptionHeaderLength = 2 + 2;

    public static DnsMessage Parse(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < DnsHeaderCodec.Length)
        {
            throw new DnsFormatException($"The packet has {packet.Length} octets, fewer than the {DnsHeaderCodec.Length} of a header.");
        }

        var reader = new DnsReader(packet);
        var header = DnsHeaderCodec.Decode(reader.ReadUInt16(), reader.ReadUInt16());
        int questionCount = reader.ReadUInt16();
        int answerCount = reader.ReadUInt16();
        int authorityCount = reader.ReadUInt16();
        int additionalCount = reader.ReadUInt16();

        var leastLength = (questionCount * MinQuestionLength) + ((answerCount + authorityCount + additionalCount) * MinRecordLength);
        if (leastLength > reader.Remaining)
        {
            throw new DnsFormatException(
                $"The counts ({questionCount}, {answerCount}, {authorityCount}, {additionalCount}) need at least {leastLength} octets after the header; there are {reader.Remaining}.");
        }

        var questions = ReadQuestions(ref reader, questionCount);
        var answers = ReadRecords(ref reader, answerCount);
        var authorities = ReadRecords(ref reader, authorityCount);
        var additionals = ReadRecords(ref reader, additionalCount);
        if (reader.Remaining != 0)
        {
            throw new DnsFormatException($"{reader.Remaining} octets follow the last section, at {reader.Position}.");
        }

        return new DnsMessage(header, questions, answers, authorities, additionals);
    }

    private static DnsQuestion[] ReadQuestions(ref DnsReader reader, int count)
    {
        if (count == 0)
        {
            return [];
        }

        var questions = new DnsQuestion[count];
        for (var i = 0; i < questions.Length; i++)
        {
            var name = reader.ReadName();
            questions[i] = new DnsQuestion(name, (DnsType)reader.ReadUInt16(), (DnsClass)reader.ReadUInt16());
        }

        return questions;
    }

    private static DnsRecord[] ReadRecords(ref DnsReader reader, int count)
    {
        if (count == 0)
        {
            return [];
        }

        var records = new DnsRecord[count];
        for (var i = 0; i < records.Length; i++)
        {
            var name = reader.ReadName();
            var type = (DnsType)reader.ReadUInt16();
            var @class = reader.ReadUInt16();
            var ttl = reader.ReadUInt32();
            int length = reader.ReadUInt16();
            if (length > reader.Remaining)
            {
                throw new DnsFormatException($"The {type} record's RDATA at {reader.Position} claims {length} octets; {reader.Remaining} are left.");
            }

            records[i] = new DnsRecord(name, type, @class, ttl, ReadData(ref reader, type, length));
        }

        return records;
    }

    private static DnsRecordData ReadData(ref DnsReader reader, DnsType type, int length)
    {
        var start = reader.Position;
        var end = start + length;
        switch (type)
        {
            case DnsType.A:
            case DnsType.AAAA:
                var addressLength = type == DnsType.A ? 4 : 16;
                if (length != addressLength)
                {
                    throw new DnsFormatException($"The {type} record's RDATA at {start} has {length} octets, not {addressLength}.");
                }

                return new AddressData(new IPAddress(reader.ReadBytes(length)));

            case DnsType.NS:
            case DnsType.CNAME:
            case DnsType.PTR:
                var target = ReadNameWithin(ref reader, type, end);
                ExpectEnd(ref reader, type, end);
                return new NameData(target);

            case DnsType.SOA:
                var primaryServer = ReadNameWithin(ref reader, type, end);
                var mailbox = ReadNameWithin(ref reader, type, end);
                if (end - reader.Position != SoaFixedLength)
                {
                    throw new DnsFormatException($"The SOA record's RDATA at {start} has {end - reader.Position} octets after its names, not {SoaFixedLength}.");
                }

                return new SoaData(primaryServer, mailbox, reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32());

            case DnsType.SRV:
                if (length < SrvFixedLength)
                {
                    throw new DnsFormatException($"The SRV record's RDATA at {start} has {length} octets, too few for priority, weight and port.");
                }

                var priority = reader.ReadUInt16();
                var weight = reader.ReadUInt16();
                var port = reader.ReadUInt16();
                // RFC 2782 forbids compressing the target, but a pointer is unambiguous: accepted.
                var srvTarget = ReadNameWithin(ref reader, type, end);
                ExpectEnd(ref reader, type, end);
                return new SrvData(priority, weight, port, srvTarget);

            case DnsType.OPT:
                return ReadOptions(ref reader, end);

            default:
                return new RawData(reader.ReadBytes(length).ToArray());
        }
    }

    /// <summary>A name inside RDATA: its own octets (up to its root octet or first pointer) must lie within the RDATA; its pointers may lead anywhere earlier.</summary>
    private static DnsName ReadNameWithin(ref DnsReader reader, DnsType type, int end)
    {
        var start = reader.Position;
        var name = reader.ReadName();
        if (reader.Position > end)
        {
            throw new DnsFormatException($"The name at {start} runs past the end of the {type} record's RDATA at {end}.");
        }

        return name;
    }

    private static void ExpectEnd(ref DnsReader reader, DnsType type, int end)
    {
        if (reader.Position != end)
        {
            throw new DnsFormatException($"The {type} record's RDATA ends at {end}, {end - reader.Position} octets after its last field.");
        }
    }

    private static OptData ReadOptions(ref DnsReader reader, int end)
    {
        if (reader.Position == end)
        {
            return new OptData([]);
        }

        var options = new List<EdnsOption>();
        while (reader.Position < end)
        {
            if (end - reader.Position < OptionHeaderLength)
            {
                throw new DnsFormatException($"The OPT record's RDATA has {end - reader.Position} octets left at {reader.Position}, too few for an option's code and length.");
            }

            var code = reader.ReadUInt16();
            int length = reader.ReadUInt16();
            if (length > end - reader.Position)
            {
                throw new DnsFormatException($"EDNS option {code} at {reader.Position - OptionHeaderLength} claims {length} octets; the OPT record's RDATA has {end - reader.Position} left.");
            }

            options.Add(new EdnsOption(code, reader.ReadBytes(length).ToArray()));
        }

        return new OptData(options);
    }
}
