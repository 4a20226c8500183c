using System.Net;
using EdgeCache.Dns.Wire;

namespace EdgeCache.Dns.Tests.Wire;

public sealed class DnsMessageParseTests
{
    [Fact]
    public void Parses_a_dig_query_with_a_cookie()
    {
        var message = DnsMessage.Parse(KnownPackets.DigQuery);

        Assert.Equal(new DnsHeader(0x8b00, false, DnsOpcode.Query, false, false, true, false, true, false, 0), message.Header);
        var question = Assert.Single(message.Questions);
        Assert.Equal(new DnsQuestion(DnsName.Parse("example.com"), DnsType.A, DnsClass.IN), question);
        Assert.Empty(message.Answers);
        Assert.Empty(message.Authorities);
        var opt = Assert.Single(message.Additionals);
        Assert.Equal(DnsType.OPT, opt.Type);
        Assert.Equal(DnsName.Root, opt.Name);

        var edns = message.Edns;
        Assert.NotNull(edns);
        Assert.Equal(1232, edns.UdpPayloadSize);
        Assert.Equal(0, edns.Version);
        Assert.Equal(0, edns.ExtendedResponseCode);
        Assert.False(edns.DnssecOk);
        var cookie = Assert.Single(edns.Options);
        Assert.Equal(10, cookie.Code);
        Assert.Equal("2c1273ca7070f90e", Octets.ToHex(cookie.Data));
        Assert.Null(edns.ClientSubnet(inQuery: true));
    }

    [Fact]
    public void Parses_a_dig_query_with_an_ipv4_client_subnet()
    {
        var edns = DnsMessage.Parse(KnownPackets.DigQueryWithSubnet).Edns;

        Assert.NotNull(edns);
        Assert.Equal([8, 10], edns.Options.Select(o => (int)o.Code));
        Assert.Equal(new ClientSubnet(IPAddress.Parse("10.1.2.0"), 24, 0), edns.ClientSubnet(inQuery: true));
    }

    [Fact]
    public void Parses_a_dig_query_with_an_ipv6_client_subnet_and_the_do_bit()
    {
        var message = DnsMessage.Parse(KnownPackets.DigQueryIPv6SubnetDnssec);

        var question = Assert.Single(message.Questions);
        Assert.Equal(["WwW", "ExAmple", "COM"], question.Name.Labels);
        Assert.Equal(DnsType.AAAA, question.Type);
        var edns = message.Edns;
        Assert.NotNull(edns);
        Assert.True(edns.DnssecOk);
        Assert.Equal(new ClientSubnet(IPAddress.Parse("2001:db8:abcd::"), 48, 0), edns.ClientSubnet(inQuery: true));
    }

    [Fact]
    public void Parses_a_response_whose_names_are_compressed()
    {
        var message = DnsMessage.Parse(KnownPackets.CompressedResponse);

        var header = message.Header;
        Assert.True(header.IsResponse && header.Authoritative && header.RecursionDesired && header.RecursionAvailable);
        var example = DnsName.Parse("example.com");
        var edge = DnsName.Parse("edge.example.com");
        Assert.Equal(
            [
                new DnsRecord(DnsName.Parse("www.example.com"), DnsType.CNAME, 1, 300, new NameData(edge)),
                new DnsRecord(edge, DnsType.A, 1, 60, new AddressData(IPAddress.Parse("192.0.2.10"))),
            ],
            message.Answers);
        Assert.Equal([new DnsRecord(example, DnsType.NS, 1, 86400, new NameData(DnsName.Parse("ns1.example.com")))], message.Authorities);
        var opt = Assert.Single(message.Additionals);
        Assert.Empty(Assert.IsType<OptData>(opt.Data).Options);
    }

    [Fact]
    public void Parses_srv_aaaa_and_soa_records()
    {
        var message = DnsMessage.Parse(KnownPackets.SrvAaaaSoaResponse);

        var edge = DnsName.Parse("edge.example.com");
        Assert.Equal(
            [
                new DnsRecord(DnsName.Parse("_http._tcp.example.com"), DnsType.SRV, 1, 3600, new SrvData(10, 5, 8080, edge)),
                new DnsRecord(edge, DnsType.AAAA, 1, 3600, new AddressData(IPAddress.Parse("2001:db8::1"))),
            ],
            message.Answers);
        var soa = Assert.Single(message.Authorities);
        Assert.Equal(DnsName.Parse("example.com"), soa.Name);
        Assert.Equal(
            new SoaData(DnsName.Parse("ns1.example.com"), DnsName.Parse("hostmaster.example.com"), 2026112201, 7200, 3600, 1209600, 300),
            soa.Data);
        Assert.Empty(message.Additionals);
        Assert.Null(message.Edns);
    }

    [Fact]
    public void Accepts_a_compressed_srv_target()
    {
        var packet = Octets.FromHex(
            "0001 8000 0001 0001 0000 0000" +
            "04 65646765 03 636f6d 00 0021 0001" + // 12: edge.com SRV
            "c00c 0021 0001 00000000 0008 0001 0002 0003 c00c"); // target: a pointer to 12

        var srv = Assert.IsType<SrvData>(Assert.Single(DnsMessage.Parse(packet).Answers).Data);

        Assert.Equal(new SrvData(1, 2, 3, DnsName.Parse("edge.com")), srv);
    }

    [Fact]
    public void Keeps_other_types_as_raw_octets()
    {
        var packet = Octets.FromHex(
            "0001 8000 0000 0002 0000 0000" +
            "00 0010 0001 00000000 0004 03 616263" + // . TXT "abc"
            "00 ff00 0003 00000001 0000"); // . TYPE65280 CH, empty

        var answers = DnsMessage.Parse(packet).Answers;

        Assert.Equal("03616263", Octets.ToHex(Assert.IsType<RawData>(answers[0].Data).Data));
        Assert.Equal((DnsType)0xff00, answers[1].Type);
        Assert.Equal(3, answers[1].Class);
        Assert.Empty(Assert.IsType<RawData>(answers[1].Data).Data);
    }

    [Fact]
    public void Reads_any_octet_in_a_label()
    {
        var packet = Octets.FromHex("0001 0000 0001 0000 0000 0000 04 2e00ff5c 00 0001 0001");

        var name = Assert.Single(DnsMessage.Parse(packet).Questions).Name;

        Assert.Equal("\u002e\u0000\u00ff\u005c", Assert.Single(name.Labels));
        Assert.Equal(@"\.\000\255\\", name.ToString());
    }

    [Fact]
    public void Follows_a_pointer_into_the_middle_of_earlier_rdata()
    {
        var packet = Octets.FromHex(
            "0001 8000 0000 0002 0000 0000" +
            "00 0005 0001 00000000 0007 01 61 03 636f6d 00" + // 12: . CNAME a.com, RDATA at 23, com at 25
            "c019 0001 0001 00000000 0004 01020304"); // com (25) A

        var answers = DnsMessage.Parse(packet).Answers;

        Assert.Equal(DnsName.Parse("com"), answers[1].Name);
    }

    [Fact]
    public void Takes_a_name_of_exactly_255_octets()
    {
        var packet = QueryFor([63, 63, 63, 61]);

        Assert.Equal(4, Assert.Single(DnsMessage.Parse(packet).Questions).Name.Labels.Count);
    }

    /// <summary>A query whose name has labels of the given lengths.</summary>
    internal static byte[] QueryFor(int[] labelLengths)
    {
        var packet = new List<byte>(Octets.FromHex("0001 0000 0001 0000 0000 0000"));
        foreach (var length in labelLengths)
        {
            packet.Add((byte)length);
            packet.AddRange(Enumerable.Repeat((byte)'a', length));
        }

        packet.AddRange(Octets.FromHex("00 0001 0001"));
        return [.. packet];
    }
}
