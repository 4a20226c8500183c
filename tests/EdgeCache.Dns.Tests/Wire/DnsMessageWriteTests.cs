using System.Net;
using EdgeCache.Dns.Wire;

namespace EdgeCache.Dns.Tests.Wire;

public sealed class DnsMessageWriteTests
{
    private static readonly DnsHeader ResponseHeader = new(0x1234, true, DnsOpcode.Query, true, false, false, false, false, false, 0);

    [Fact]
    public void Write_points_each_name_to_the_longest_suffix_already_written()
    {
        // The hand-written packet is compressed exactly as RFC 1035 4.1.4 asks, so writing what it
        // parses to gives the same octets.
        var packet = KnownPackets.CompressedResponse;

        Assert.Equal(Octets.ToHex(packet), Octets.ToHex(DnsMessage.Parse(packet).Write()));
    }

    [Fact]
    public void Write_leaves_the_srv_target_uncompressed_but_lets_later_names_point_into_it()
    {
        var packet = KnownPackets.SrvAaaaSoaResponse;

        Assert.Equal(Octets.ToHex(packet), Octets.ToHex(DnsMessage.Parse(packet).Write()));
    }

    [Fact]
    public void Write_writes_a_dig_query_back_as_dig_sent_it()
    {
        foreach (var packet in new[] { KnownPackets.DigQuery, KnownPackets.DigQueryWithSubnet, KnownPackets.DigQueryIPv6SubnetDnssec })
        {
            Assert.Equal(Octets.ToHex(packet), Octets.ToHex(DnsMessage.Parse(packet).Write()));
        }
    }

    [Fact]
    public void Write_compresses_regardless_of_case_and_keeps_the_first_spelling()
    {
        var question = new DnsQuestion(DnsName.Parse("WwW.ExAmple.COM"), DnsType.A, DnsClass.IN);
        var answer = new DnsRecord(DnsName.Parse("www.example.com"), DnsType.A, 1, 60, new AddressData(IPAddress.Parse("192.0.2.1")));

        var written = new DnsMessage(ResponseHeader, [question], [answer], [], []).Write();

        Assert.Equal("c00c", Octets.ToHex(written.AsSpan(33, 2)));
        var parsed = DnsMessage.Parse(written);
        Assert.Equal(["WwW", "ExAmple", "COM"], parsed.Questions[0].Name.Labels);
        Assert.Equal(["WwW", "ExAmple", "COM"], parsed.Answers[0].Name.Labels);
    }

    [Fact]
    public void Write_gives_the_OPT_record_the_root_name()
    {
        var opt = new Edns(1232, 0, 0, false, []).ToRecord() with { Name = DnsName.Parse("not.root") };

        var written = new DnsMessage(ResponseHeader, [], [], [], [opt]).Write();

        Assert.Equal("00 0029 04d0 00000000 0000".Replace(" ", "", StringComparison.Ordinal), Octets.ToHex(written.AsSpan(12)));
    }

    [Fact]
    public void Write_counts_each_section()
    {
        var name = DnsName.Parse("a.example");
        var record = new DnsRecord(name, DnsType.TXT, 1, 0, new RawData([1, 0x61]));
        var message = new DnsMessage(ResponseHeader, [new DnsQuestion(name, DnsType.TXT, DnsClass.IN)], [record, record], [record, record, record], [record]);

        var written = message.Write();

        Assert.Equal("0001 0002 0003 0001".Replace(" ", "", StringComparison.Ordinal), Octets.ToHex(written.AsSpan(4, 8)));
    }

    [Fact]
    public void Write_points_only_to_offsets_below_0x4000()
    {
        // example.com first at 12; 17000 octets of TXT; then b.example.net twice: the first one is
        // past 0x3FFF, so the second cannot point to it and is written out again, while its
        // neighbour c.example.com still points back to example.com at 12.
        var early = new DnsRecord(DnsName.Parse("example.com"), DnsType.TXT, 1, 0, new RawData(new byte[17000]));
        var late = new DnsRecord(DnsName.Parse("b.example.net"), DnsType.A, 1, 0, new AddressData(IPAddress.Parse("192.0.2.1")));
        var near = new DnsRecord(DnsName.Parse("c.example.com"), DnsType.A, 1, 0, new AddressData(IPAddress.Parse("192.0.2.2")));
        var message = new DnsMessage(ResponseHeader, [], [early, late, late, near], [], []);

        var written = message.Write();

        var lateName = Octets.FromHex("01 62 07 6578616d706c65 03 6e6574 00");
        Assert.Equal(2, Occurrences(written, lateName));
        Assert.Equal(1, Occurrences(written, Octets.FromHex("01 63 c00c")));
        MessageAssert.Equivalent(message, DnsMessage.Parse(written));
    }

    [Theory]
    [InlineData(DnsType.A, "2001:db8::1")]
    [InlineData(DnsType.AAAA, "192.0.2.1")]
    [InlineData(DnsType.NS, "192.0.2.1")]
    public void Write_refuses_an_address_that_does_not_fit_the_type(DnsType type, string address)
    {
        var record = new DnsRecord(DnsName.Root, type, 1, 0, new AddressData(IPAddress.Parse(address)));

        Assert.Throws<InvalidOperationException>(() => new DnsMessage(ResponseHeader, [], [record], [], []).Write());
    }

    [Fact]
    public void Write_refuses_data_of_another_type()
    {
        var record = new DnsRecord(DnsName.Root, DnsType.SRV, 1, 0, new NameData(DnsName.Root));

        Assert.Throws<InvalidOperationException>(() => new DnsMessage(ResponseHeader, [], [record], [], []).Write());
    }

    [Fact]
    public void Write_refuses_a_message_over_65535_octets()
    {
        var big = new DnsRecord(DnsName.Root, DnsType.TXT, 1, 0, new RawData(new byte[40000]));

        Assert.Throws<InvalidOperationException>(() => new DnsMessage(ResponseHeader, [], [big, big], [], []).Write());
    }

    private static int Occurrences(byte[] haystack, byte[] needle)
    {
        var count = 0;
        for (var i = haystack.AsSpan().IndexOf(needle); i >= 0;)
        {
            count++;
            var next = haystack.AsSpan(i + 1).IndexOf(needle);
            i = next < 0 ? -1 : i + 1 + next;
        }

        return count;
    }
}
