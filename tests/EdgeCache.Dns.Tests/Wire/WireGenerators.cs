using System.Net;
using EdgeCache.Dns.Wire;
using FsCheck;
using FsCheck.Fluent;

namespace EdgeCache.Dns.Tests.Wire;

/// <summary>
/// FsCheck generators of wire values: names with odd octets and mixed case, well-formed messages
/// with every kind of record data, and packets broken in the ways a network breaks them.
/// </summary>
internal static class WireGenerators
{
    public static readonly Gen<byte> Octet = Gen.Choose(0, 255).Select(i => (byte)i);

    public static readonly Gen<ushort> UInt16 = Gen.Choose(0, ushort.MaxValue).Select(i => (ushort)i);

    public static readonly Gen<uint> UInt32 = Gen.Zip(UInt16, UInt16, (high, low) => ((uint)high << 16) | low);

    public static readonly Gen<bool> Bool = Gen.Elements(true, false);

    // Mostly letters, so that case folding has work to do; some of the octets presentation form must
    // escape; now and then any octet at all.
    private static readonly Gen<char> LabelChar = Gen.Frequency(
        (12, Gen.Elements("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".ToCharArray())),
        (3, Gen.Elements("0123456789-_".ToCharArray())),
        (2, Gen.Elements(".\\@`[{]}^~ \"();$\u00c0\u00e0".ToCharArray())),
        (2, Gen.Choose(0, 255).Select(i => (char)i)));

    public static readonly Gen<string> Label =
        Gen.Frequency((10, Gen.Choose(1, 8)), (2, Gen.Choose(9, 63)), (1, Gen.Constant(63)))
            .SelectMany(length => Gen.ArrayOf(LabelChar, length))
            .Select(chars => new string(chars));

    /// <summary>Names of every size, from the root to the 255-octet limit.</summary>
    public static readonly Gen<DnsName> Name = Gen.Frequency(
        (1, Gen.Constant(DnsName.Root)),
        (8, Gen.Choose(1, 4).SelectMany(count => Gen.ArrayOf(Label, count)).Select(FromLabels)),
        (1, Gen.Choose(4, 10).SelectMany(count => Gen.ArrayOf(Gen.Choose(30, 63).SelectMany(n => Gen.ArrayOf(LabelChar, n)), count))
            .Select(labels => FromLabels([.. labels.Select(chars => new string(chars))]))));

    public static readonly Gen<DnsHeader> Header =
        from id in UInt16
        from flags in Gen.ArrayOf(Bool, 7)
        from opcode in Gen.Choose(0, 15)
        from responseCode in Gen.Choose(0, 15)
        select new DnsHeader(id, flags[0], (DnsOpcode)opcode, flags[1], flags[2], flags[3], flags[4], flags[5], flags[6], (byte)responseCode);

    public static readonly Gen<ClientSubnet> Subnet =
        from isIPv6 in Bool
        from address in Gen.ArrayOf(Octet, isIPv6 ? 16 : 4)
        from source in Gen.Choose(0, isIPv6 ? 128 : 32)
        from scope in Gen.Choose(0, isIPv6 ? 128 : 32)
        select new ClientSubnet(new IPAddress(address), (byte)source, (byte)scope);

    public static readonly Gen<DnsRecord> Opt =
        from payloadSize in UInt16
        from extendedCode in Gen.Choose(0, 255)
        from version in Gen.Choose(0, 255)
        from dnssecOk in Bool
        from others in ListOf(OtherOption(), 0, 3)
        from subnet in Gen.Frequency((1, Gen.Constant<EdnsOption?>(null)), (2, Subnet.Select(s => (EdnsOption?)s.ToOption())))
        from subnetAt in Gen.Choose(0, others.Count)
        select new Edns(payloadSize, (byte)extendedCode, (byte)version, dnssecOk, Inserted(others, subnet, subnetAt)).ToRecord();

    /// <summary>
    /// Well-formed messages: names drawn partly from two zones in random case (so compression has
    /// suffixes to share across spellings), records of every data type, and at most one OPT record,
    /// somewhere among the additionals.
    /// </summary>
    public static readonly Gen<DnsMessage> Message =
        from zones in Gen.ArrayOf(Name, 2)
        let names = Gen.Frequency((2, Name), (3, Under(zones[0])), (3, Under(zones[1])))
        from header in Header
        from questions in ListOf(Question(names), 0, 3)
        from answers in ListOf(Record(names), 0, 4)
        from authorities in ListOf(Record(names), 0, 3)
        from additionals in ListOf(Record(names), 0, 3)
        from opt in Gen.Frequency((1, Gen.Constant<DnsRecord?>(null)), (2, Opt.Select(r => (DnsRecord?)r)))
        from optAt in Gen.Choose(0, additionals.Count)
        select new DnsMessage(header, questions, answers, authorities, Inserted(additionals, opt, optAt));

    // Small octets read as short labels, root octets and small lengths, so random data gets past the first name.
    private static readonly Gen<byte> SmallOctet = Gen.Frequency((4, Gen.Choose(0, 12).Select(i => (byte)i)), (1, Octet));

    /// <summary>
    /// Random octets of 0 to 600; some behind a header with small counts and made mostly of small
    /// octets, which get further into the parser than uniform noise does.
    /// </summary>
    public static readonly Gen<byte[]> RandomPacket = Gen.Frequency(
        (1, OctetString(0, 600)),
        (2, from header in Gen.ArrayOf(Octet, 4)
            from counts in Gen.ArrayOf(Gen.Choose(0, 3), 4)
            from length in Gen.Choose(0, 588)
            from body in Gen.ArrayOf(SmallOctet, length)
            select header.Concat(counts.SelectMany(c => new byte[] { 0, (byte)c })).Concat(body).ToArray()));

    /// <summary>A well-formed message's octets with one to four mutations applied.</summary>
    public static readonly Gen<byte[]> MutatedPacket =
        from message in Message
        from mutations in ListOf(AnyMutation(), 1, 4)
        select Mutated(message.Write(), mutations);

    public static Gen<byte[]> OctetString(int minLength, int maxLength)
        => Gen.Choose(minLength, maxLength).SelectMany(length => Gen.ArrayOf(Octet, length));

    /// <summary>Names at or below <paramref name="zone"/>, spelled in random case.</summary>
    public static Gen<DnsName> Under(DnsName zone) =>
        from prefix in ListOf(Label, 0, 3)
        from spelled in Recased([.. prefix, .. zone.Labels])
        select FromLabels(spelled);

    /// <summary>The labels with each ASCII letter's case chosen at random.</summary>
    public static Gen<string[]> Recased(string[] labels)
        => Gen.ArrayOf(Bool, labels.Sum(l => l.Length)).Select(flips =>
        {
            var next = 0;
            return labels.Select(label => new string([.. label.Select(c => flips[next++] && char.IsAsciiLetter(c) ? (char)(c ^ 0x20) : c)])).ToArray();
        });

    /// <summary>A name of as many of the labels as fit in 255 octets, taken from the end.</summary>
    public static DnsName FromLabels(string[] labels)
    {
        var name = DnsName.Root;
        var wireLength = 1;
        for (var i = labels.Length - 1; i >= 0 && wireLength + 1 + labels[i].Length <= 255; i--)
        {
            name = name.Prepend(labels[i]);
            wireLength += 1 + labels[i].Length;
        }

        return name;
    }

    private static Gen<List<T>> ListOf<T>(Gen<T> item, int minCount, int maxCount)
        => Gen.Choose(minCount, maxCount).SelectMany(count => Gen.ListOf(item, count));

    private static List<T> Inserted<T>(List<T> items, T? item, int at)
        where T : class
    {
        if (item is not null)
        {
            items.Insert(at, item);
        }

        return items;
    }

    private static Gen<EdnsOption> OtherOption() =>
        from code in UInt16.Where(c => c != Edns.ClientSubnetCode)
        from data in OctetString(0, 20)
        select new EdnsOption(code, data);

    private static Gen<DnsQuestion> Question(Gen<DnsName> names) =>
        from name in names
        from type in Gen.Frequency((3, Gen.Elements(Enum.GetValues<DnsType>())), (1, UInt16.Select(t => (DnsType)t)))
        from @class in Gen.Frequency((3, Gen.Constant(DnsClass.IN)), (1, UInt16.Select(c => (DnsClass)c)))
        select new DnsQuestion(name, type, @class);

    private static Gen<DnsRecord> Record(Gen<DnsName> names) =>
        from name in names
        from @class in Gen.Frequency((3, Gen.Constant((ushort)1)), (1, UInt16))
        from ttl in UInt32
        from data in Data(names)
        select new DnsRecord(name, data.Type, @class, ttl, data.Data);

    private static Gen<(DnsType Type, DnsRecordData Data)> Data(Gen<DnsName> names) => Gen.OneOf(
        Gen.ArrayOf(Octet, 4).Select(a => (DnsType.A, (DnsRecordData)new AddressData(new IPAddress(a)))),
        Gen.ArrayOf(Octet, 16).Select(a => (DnsType.AAAA, (DnsRecordData)new AddressData(new IPAddress(a)))),
        from type in Gen.Elements(DnsType.NS, DnsType.CNAME, DnsType.PTR)
        from name in names
        select (type, (DnsRecordData)new NameData(name)),
        from primaryServer in names
        from mailbox in names
        from numbers in Gen.ArrayOf(UInt32, 5)
        select (DnsType.SOA, (DnsRecordData)new SoaData(primaryServer, mailbox, numbers[0], numbers[1], numbers[2], numbers[3], numbers[4])),
        from numbers in Gen.ArrayOf(UInt16, 3)
        from target in names
        select (DnsType.SRV, (DnsRecordData)new SrvData(numbers[0], numbers[1], numbers[2], target)),
        from type in Gen.Elements(DnsType.MX, DnsType.TXT, DnsType.ANY, (DnsType)0, (DnsType)99, (DnsType)0xff00)
        from octets in OctetString(0, 40)
        select (type, (DnsRecordData)new RawData(octets)));

    private enum MutationKind
    {
        FlipBit,
        Truncate,
        Insert,
        Delete,
        Pointer,
    }

    private sealed record Mutation(MutationKind Kind, int Position, byte First, byte Second);

    private static Gen<Mutation> AnyMutation() =>
        from kind in Gen.Elements(Enum.GetValues<MutationKind>())
        from position in Gen.Choose(0, ushort.MaxValue)
        from first in Octet
        from second in Octet
        select new Mutation(kind, position, first, second);

    private static byte[] Mutated(byte[] packet, List<Mutation> mutations)
    {
        var octets = new List<byte>(packet);
        foreach (var mutation in mutations)
        {
            var at = mutation.Position % (octets.Count + 1);
            switch (mutation.Kind)
            {
                case MutationKind.FlipBit when at < octets.Count:
                    octets[at] ^= (byte)(1 << (mutation.First % 8));
                    break;
                case MutationKind.Truncate:
                    octets.RemoveRange(at, octets.Count - at);
                    break;
                case MutationKind.Insert:
                    octets.Insert(at, mutation.First);
                    break;
                case MutationKind.Delete when at < octets.Count:
                    octets.RemoveAt(at);
                    break;
                case MutationKind.Pointer:
                    // A compression pointer to somewhere in the packet, before or after itself.
                    var target = ((mutation.First << 8) | mutation.Second) % Math.Min(octets.Count + 1, 0x4000);
                    var pointer = new[] { (byte)(0xc0 | (target >> 8)), (byte)target };
                    for (var i = 0; i < pointer.Length; i++)
                    {
                        if (at + i < octets.Count)
                        {
                            octets[at + i] = pointer[i];
                        }
                        else
                        {
                            octets.Add(pointer[i]);
                        }
                    }

                    break;
            }
        }

        return [.. octets];
    }
}
