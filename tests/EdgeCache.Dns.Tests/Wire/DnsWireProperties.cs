using EdgeCache.Dns.Wire;
using FsCheck;
using FsCheck.Fluent;

namespace EdgeCache.Dns.Tests.Wire;

/// <summary>Properties of the codec over generated inputs; each runs a fixed number of cases so the suite stays quick.</summary>
public sealed class DnsWireProperties
{
    private static Config Cases(int count) => Config.QuickThrowOnFailure.WithMaxTest(count).WithQuietOnSuccess(true);

    [Fact]
    public void Parse_of_random_octets_throws_nothing_but_DnsFormatException()
        => Prop.ForAll(Arb.From(WireGenerators.RandomPacket), ParsesOrRejects).Check(Cases(3000));

    [Fact]
    public void Parse_of_mutated_messages_throws_nothing_but_DnsFormatException()
        => Prop.ForAll(Arb.From(WireGenerators.MutatedPacket), ParsesOrRejects).Check(Cases(3000));

    [Fact]
    public void Parse_of_Write_gives_the_message_back()
        => Prop.ForAll(Arb.From(WireGenerators.Message), message =>
        {
            var written = message.Write();
            var parsed = DnsMessage.Parse(written);

            MessageAssert.Equivalent(message, parsed);
            // The first name written is never compressed, so it keeps its spelling octet for octet.
            if (message.Questions.Count > 0)
            {
                Assert.Equal(message.Questions[0].Name.Labels, parsed.Questions[0].Name.Labels, StringComparer.Ordinal);
            }

            // What was parsed is written back the same: compression does not depend on spelling.
            Assert.Equal(written, parsed.Write());
        }).Check(Cases(1000));

    [Fact]
    public void Edns_and_ClientSubnet_round_trip_through_the_wire()
        => Prop.ForAll(Arb.From(WireGenerators.Opt), opt =>
        {
            var header = new DnsHeader(1, false, DnsOpcode.Query, false, false, true, false, false, false, 0);
            var sent = Edns.FromRecord(opt);

            var received = DnsMessage.Parse(new DnsMessage(header, [], [], [], [opt]).Write()).Edns;

            Assert.NotNull(received);
            Assert.Equal((sent.UdpPayloadSize, sent.ExtendedResponseCode, sent.Version, sent.DnssecOk), (received.UdpPayloadSize, received.ExtendedResponseCode, received.Version, received.DnssecOk));
            Assert.True(MessageAssert.SameOptions(sent.Options, received.Options));
            Assert.Equal(sent.ClientSubnet(inQuery: false), received.ClientSubnet(inQuery: false));
        }).Check(Cases(1000));

    [Fact]
    public void ClientSubnet_ToOption_decodes_to_the_address_cut_to_its_source_prefix()
        => Prop.ForAll(Arb.From(WireGenerators.Subnet), subnet =>
        {
            var option = subnet.ToOption();
            var decoded = new Edns(512, 0, 0, false, [option]).ClientSubnet(inQuery: false);

            Assert.NotNull(decoded);
            Assert.Equal(4 + ((subnet.SourcePrefixLength + 7) / 8), option.Data.Length);
            Assert.Equal(subnet.SourcePrefixLength, decoded.SourcePrefixLength);
            Assert.Equal(subnet.ScopePrefixLength, decoded.ScopePrefixLength);
            var bits = subnet.Address.GetAddressBytes().Length * 8;
            for (var bit = 0; bit < bits; bit++)
            {
                var expected = bit < subnet.SourcePrefixLength && Bit(subnet.Address.GetAddressBytes(), bit);
                Assert.Equal(expected, Bit(decoded.Address.GetAddressBytes(), bit));
            }
        }).Check(Cases(2000));

    [Fact]
    public void DnsName_Parse_of_ToString_gives_the_same_labels()
        => Prop.ForAll(Arb.From(WireGenerators.Name), name =>
        {
            var text = name.ToString();

            Assert.All(text, c => Assert.InRange(c, '!', '~'));
            Assert.Equal(name.Labels, DnsName.Parse(text).Labels, StringComparer.Ordinal);
        }).Check(Cases(2000));

    [Fact]
    public void DnsName_equality_folds_the_case_bit_of_ascii_letters_only()
    {
        var names =
            from name in WireGenerators.Name.Where(n => n.Labels.Count > 0)
            from labelIndex in Gen.Choose(0, name.Labels.Count - 1)
            from charIndex in Gen.Choose(0, name.Labels[labelIndex].Length - 1)
            select (Name: name, Label: labelIndex, Char: charIndex);

        Prop.ForAll(Arb.From(names), picked =>
        {
            // Flip bit 0x20 of one octet: the case bit for letters, a different octet for anything else.
            var labels = picked.Name.Labels.ToArray();
            var label = labels[picked.Label].ToCharArray();
            var original = label[picked.Char];
            label[picked.Char] = (char)(original ^ 0x20);
            labels[picked.Label] = new string(label);
            var flipped = WireGenerators.FromLabels(labels);

            Assert.Equal(char.IsAsciiLetter(original), picked.Name.Equals(flipped));
            Assert.Equal(char.IsAsciiLetter(original), flipped.Equals(picked.Name));
            if (char.IsAsciiLetter(original))
            {
                Assert.Equal(picked.Name.GetHashCode(), flipped.GetHashCode());
            }
        }).Check(Cases(2000));
    }

    [Fact]
    public void DnsName_equality_matches_ordinal_comparison_of_ascii_lowercased_labels()
    {
        // A tiny alphabet of octets that differ only in bit 0x20, so that equal and unequal pairs are both common.
        var label = Gen.Choose(1, 2).SelectMany(n => Gen.ArrayOf(Gen.Elements('a', 'A', '@', '`', '\u00c0', '\u00e0'), n)).Select(c => new string(c));
        var name = Gen.Choose(1, 2).SelectMany(n => Gen.ArrayOf(label, n)).Select(WireGenerators.FromLabels);

        Prop.ForAll(Arb.From(name), Arb.From(name), (a, b) =>
        {
            var expected = a.Labels.Select(AsciiLower).SequenceEqual(b.Labels.Select(AsciiLower), StringComparer.Ordinal);

            Assert.Equal(expected, a.Equals(b));
            if (expected)
            {
                Assert.Equal(a.GetHashCode(), b.GetHashCode());
            }
        }).Check(Cases(2000));
    }

    /// <summary>Parse either succeeds or throws <see cref="DnsFormatException"/>; what it accepts must survive Write and Parse again.</summary>
    private static void ParsesOrRejects(byte[] packet)
    {
        DnsMessage parsed;
        try
        {
            parsed = DnsMessage.Parse(packet);
        }
        catch (DnsFormatException)
        {
            return;
        }

        try
        {
            _ = parsed.Edns?.ClientSubnet(inQuery: true);
        }
        catch (DnsFormatException)
        {
            // A malformed OPT record or option is for the responder to answer FORMERR to.
        }

        // Write gives every OPT record the root name; a packet whose OPT has another name cannot come back the same.
        if (!HasOptWithOwner(parsed))
        {
            MessageAssert.Equivalent(parsed, DnsMessage.Parse(parsed.Write()));
        }
    }

    private static bool HasOptWithOwner(DnsMessage message)
        => message.Answers.Concat(message.Authorities).Concat(message.Additionals)
            .Any(r => r.Type == DnsType.OPT && r.Name.Labels.Count > 0);

    private static string AsciiLower(string label)
        => new([.. label.Select(c => c is >= 'A' and <= 'Z' ? (char)(c + 32) : c)]);

    private static bool Bit(byte[] octets, int bit) => (octets[bit / 8] & (0x80 >> (bit % 8))) != 0;
}
