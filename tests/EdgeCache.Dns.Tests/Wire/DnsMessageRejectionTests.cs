using EdgeCache.Dns.Wire;

namespace EdgeCache.Dns.Tests.Wire;

public sealed class DnsMessageRejectionTests
{
    private const string ExampleComQuestion = "07 6578616d706c65 03 636f6d 00 0001 0001"; // example.com A IN, 17 octets

    [Fact]
    public void Rejects_a_truncated_header()
    {
        Rejects(KnownPackets.DigQuery.AsSpan(0, 11).ToArray());
        Rejects([]);
    }

    [Fact]
    public void Rejects_a_question_count_larger_than_the_questions()
        => Rejects(Octets.FromHex("0001 0000 0002 0000 0000 0000" + ExampleComQuestion));

    [Fact]
    public void Rejects_an_answer_count_larger_than_the_answers()
        => Rejects(Octets.FromHex("0001 8000 0001 0001 0000 0000" + ExampleComQuestion));

    [Fact]
    public void Rejects_an_additional_count_larger_than_the_additionals()
    {
        var query = KnownPackets.DigQuery;
        query[11] = 2;

        Rejects(query);
    }

    [Fact]
    public void Rejects_counts_the_packet_cannot_hold()
        => Rejects(Octets.FromHex("0001 8000 ffff ffff ffff ffff" + ExampleComQuestion));

    [Fact]
    public void Rejects_trailing_octets()
    {
        Rejects([.. KnownPackets.DigQuery, 0]);
        Rejects([.. KnownPackets.CompressedResponse, 0xc0, 0x0c]);
    }

    [Fact]
    public void Rejects_a_truncated_last_record() => Rejects(KnownPackets.CompressedResponse[..^1]);

    [Fact]
    public void Rejects_rdata_longer_than_the_packet()
        => Rejects(Answer("00 0010 0001 00000000 0005 03 616263")); // TXT claiming 5 octets, 4 there

    [Fact]
    public void Rejects_a_pointer_to_itself()
        => Rejects(Octets.FromHex("0001 0000 0001 0000 0000 0000 c00c 0001 0001"));

    [Fact]
    public void Rejects_a_pointer_loop_through_a_label()
        => Rejects(Octets.FromHex("0001 0000 0001 0000 0000 0000 01 61 c00c 0001 0001")); // 12: a, then back to 12

    [Fact]
    public void Rejects_a_pointer_loop_between_two_names()
        // 12: a, then to 20; 20: b, then to 12. The second name is fine on its own; the first points forward into it.
        => Rejects(Octets.FromHex("0001 0000 0002 0000 0000 0000 01 61 c014 0001 0001 01 62 c00c 0001 0001"));

    [Fact]
    public void Rejects_a_forward_pointer()
        // 12: a pointer to 18, where a well-formed name (the second question's) starts.
        => Rejects(Octets.FromHex("0001 0000 0002 0000 0000 0000 c012 0001 0001 03 666f6f 00 0001 0001"));

    [Fact]
    public void Rejects_a_pointer_into_the_names_own_octets()
        // 12: one label "a\0b", then a pointer to the 00 inside it (14): earlier than the pointer, but
        // inside the name being read, so the octets would be read twice as different things.
        => Rejects(Octets.FromHex("0001 0000 0001 0000 0000 0000 03 610062 c00e 0001 0001"));

    [Fact]
    public void Rejects_a_64_octet_label()
        => Rejects(DnsMessageParseTests.QueryFor([64]));

    [Theory]
    [InlineData(0x40)] // RFC 6891's extended label type
    [InlineData(0x80)] // reserved
    [InlineData(0xbf)]
    public void Rejects_extended_and_reserved_label_types(int octet)
        => Rejects(Octets.FromHex($"0001 0000 0001 0000 0000 0000 {octet:x2} 01 00 0001 0001"));

    [Fact]
    public void Rejects_a_name_of_256_octets()
        => Rejects(DnsMessageParseTests.QueryFor([63, 63, 63, 62]));

    [Fact]
    public void Rejects_a_name_that_pointers_make_longer_than_255_octets()
    {
        // Question 1: 200 octets (three labels of 63, one of 6, root); question 2: a 60-octet label
        // in front of it, 261 octets in all.
        var first = DnsMessageParseTests.QueryFor([63, 63, 63, 6]);
        byte[] second = [60, .. Enumerable.Repeat((byte)'b', 60), 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01];
        byte[] packet = [.. first, .. second];
        packet[5] = 2;

        Rejects(packet);
        // With a label of 54 octets the name is exactly 255 octets: accepted.
        second[0] = 54;
        byte[] fits = [.. first, .. second.AsSpan(0, 55), .. second.AsSpan(61)];
        fits[5] = 2;
        Assert.Equal(2, DnsMessage.Parse(fits).Questions.Count);
    }

    [Fact]
    public void Follows_128_pointer_hops_and_rejects_129()
    {
        Assert.Single(DnsMessage.Parse(PointerChain(127)).Authorities);
        Rejects(PointerChain(128));
    }

    [Fact]
    public void Rejects_an_A_record_of_3_octets() => Rejects(Answer("00 0001 0001 00000000 0003 c00002"));

    [Fact]
    public void Rejects_an_A_record_of_5_octets() => Rejects(Answer("00 0001 0001 00000000 0005 c000020a00"));

    [Fact]
    public void Rejects_an_AAAA_record_of_15_octets()
        => Rejects(Answer("00 001c 0001 00000000 000f 20010db80000000000000000000000"));

    [Fact]
    public void Rejects_an_NS_name_that_ends_before_its_rdata()
        => Rejects(Answer("00 0002 0001 00000000 0006 03 6e7331 00 ff"));

    [Fact]
    public void Rejects_a_CNAME_name_that_runs_past_its_rdata()
        => Rejects(Answer("00 0005 0001 00000000 0004 03 6e7331 00" + "00 0010 0001 00000000 0000", answers: 2));

    [Fact]
    public void Rejects_an_SOA_record_with_a_short_fixed_part()
        => Rejects(Answer("00 0006 0001 00000000 0014 00 00 00000001 00000002 00000003 00000004 0000"));

    [Fact]
    public void Rejects_an_SOA_record_with_octets_after_the_fixed_part()
        => Rejects(Answer("00 0006 0001 00000000 0017 00 00 00000001 00000002 00000003 00000004 00000005 ff"));

    [Fact]
    public void Rejects_an_SRV_record_too_short_for_its_numbers()
        => Rejects(Answer("00 0021 0001 00000000 0005 0001 0002 00"));

    [Fact]
    public void Rejects_an_SRV_record_with_octets_after_the_target()
        => Rejects(Answer("00 0021 0001 00000000 0008 0001 0002 0003 00 ff"));

    [Fact]
    public void Rejects_an_OPT_option_longer_than_the_rdata()
        => Rejects(Additional("00 0029 04d0 00000000 0006 000a 0004 0102"));

    [Fact]
    public void Rejects_an_OPT_option_running_into_the_next_record()
        // RDLENGTH 4 holds only the option's code and length; its 4 octets of data would be the next
        // record's first 4, after which a well-formed TXT record follows.
        => Rejects(Octets.FromHex("0001 0000 0000 0000 0000 0002 00 0029 04d0 00000000 0004 000a 0004 01020304 00 0010 0001 00000000 0000"));

    [Fact]
    public void Rejects_an_OPT_rdata_ending_inside_an_option_header()
        => Rejects(Additional("00 0029 04d0 00000000 0007 000a 0000 000a 00"));

    [Fact]
    public void Accepts_what_the_rejected_packets_are_made_from()
    {
        // The builders above make well-formed packets when given well-formed records: what is
        // rejected is the record, not the packaging.
        Assert.Single(DnsMessage.Parse(Answer("00 0001 0001 00000000 0004 c000020a")).Answers);
        Assert.Single(DnsMessage.Parse(Answer("00 0006 0001 00000000 0016 00 00 00000001 00000002 00000003 00000004 00000005")).Answers);
        Assert.Single(DnsMessage.Parse(Answer("00 0021 0001 00000000 0007 0001 0002 0003 00")).Answers);
        Assert.Single(DnsMessage.Parse(Additional("00 0029 04d0 00000000 0008 000a 0004 01020304")).Additionals);
    }

    private static void Rejects(byte[] packet) => Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(packet));

    private static byte[] Answer(string records, int answers = 1)
        => Octets.FromHex($"0001 8000 0000 {answers:x4} 0000 0000 {records}");

    private static byte[] Additional(string record) => Octets.FromHex($"0001 0000 0000 0000 0000 0001 {record}");

    /// <summary>
    /// A TXT answer whose RDATA is a root octet followed by <paramref name="chained"/> pointers, each
    /// to the one before; then an NS authority record whose name points to the last: one hop more.
    /// </summary>
    private static byte[] PointerChain(int chained)
    {
        var packet = new List<byte>(Octets.FromHex("0001 8000 0000 0001 0001 0000 00 0010 0001 00000000"));
        var rdataLength = 1 + (2 * chained);
        packet.Add((byte)(rdataLength >> 8));
        packet.Add((byte)rdataLength);
        var root = packet.Count;
        packet.Add(0);
        var previous = root;
        for (var i = 0; i < chained; i++)
        {
            var here = packet.Count;
            packet.Add((byte)(0xc0 | (previous >> 8)));
            packet.Add((byte)previous);
            previous = here;
        }

        packet.Add((byte)(0xc0 | (previous >> 8)));
        packet.Add((byte)previous);
        packet.AddRange(Octets.FromHex("0002 0001 00000000 0001 00"));
        return [.. packet];
    }
}
