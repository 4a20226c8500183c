using System.Net;
using EdgeCache.Dns.Wire;

namespace EdgeCache.Dns.Tests.Wire;

public sealed class EdnsTests
{
    private static readonly DnsHeader QueryHeader = new(7, false, DnsOpcode.Query, false, false, true, false, false, false, 0);

    [Fact]
    public void FromRecord_reads_payload_size_extended_code_version_and_do_from_class_and_ttl()
    {
        var option = new EdnsOption(10, [1, 2, 3]);
        var record = new DnsRecord(DnsName.Root, DnsType.OPT, 4096, 0x01_02_80_00, new OptData([option]));

        var edns = Edns.FromRecord(record);

        Assert.Equal(4096, edns.UdpPayloadSize);
        Assert.Equal(1, edns.ExtendedResponseCode);
        Assert.Equal(2, edns.Version);
        Assert.True(edns.DnssecOk);
        Assert.Same(option, Assert.Single(edns.Options));
    }

    [Theory]
    [InlineData(0x00_00_00_00u, 0, 0, false)]
    [InlineData(0x00_00_80_00u, 0, 0, true)]
    [InlineData(0xff_00_00_00u, 255, 0, false)]
    [InlineData(0x00_ff_00_00u, 0, 255, false)]
    [InlineData(0x00_00_7f_ffu, 0, 0, false)] // Z bits only
    public void FromRecord_takes_each_field_from_its_own_bits(uint ttl, int extendedCode, int version, bool dnssecOk)
    {
        var edns = Edns.FromRecord(new DnsRecord(DnsName.Root, DnsType.OPT, 512, ttl, new OptData([])));

        Assert.Equal((extendedCode, version, dnssecOk), (edns.ExtendedResponseCode, edns.Version, edns.DnssecOk));
    }

    [Fact]
    public void ToRecord_is_the_inverse_of_FromRecord()
    {
        var edns = new Edns(1232, 1, 0, true, [new EdnsOption(10, [9, 8, 7, 6, 5, 4, 3, 2])]);

        var record = edns.ToRecord();

        Assert.Equal(DnsName.Root, record.Name);
        Assert.Equal(DnsType.OPT, record.Type);
        Assert.Equal(1232, record.Class);
        Assert.Equal(0x01_00_80_00u, record.Ttl);
        Assert.Same(edns.Options, Assert.IsType<OptData>(record.Data).Options);
        Assert.Equal(edns, Edns.FromRecord(record));
    }

    [Fact]
    public void FromRecord_refuses_a_record_that_is_not_OPT()
        => Assert.Throws<ArgumentException>(() => Edns.FromRecord(new DnsRecord(DnsName.Root, DnsType.TXT, 1, 0, new RawData([]))));

    [Fact]
    public void Edns_is_null_without_an_OPT_record()
        => Assert.Null(new DnsMessage(QueryHeader, [], [], [], []).Edns);

    [Fact]
    public void Edns_rejects_two_OPT_records()
    {
        var opt = new Edns(1232, 0, 0, false, []).ToRecord();

        Assert.Throws<DnsFormatException>(() => new DnsMessage(QueryHeader, [], [], [], [opt, opt]).Edns);
    }

    [Fact]
    public void Edns_rejects_two_OPT_records_from_the_wire()
    {
        var packet = Octets.FromHex("0001 0000 0000 0000 0000 0002 00 0029 04d0 00000000 0000 00 0029 0200 00000000 0000");

        Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(packet).Edns);
    }

    [Fact]
    public void Edns_rejects_an_OPT_record_in_the_answer_or_authority_section()
    {
        var opt = new Edns(1232, 0, 0, false, []).ToRecord();

        Assert.Throws<DnsFormatException>(() => new DnsMessage(QueryHeader, [], [opt], [], []).Edns);
        Assert.Throws<DnsFormatException>(() => new DnsMessage(QueryHeader, [], [], [opt], []).Edns);
    }

    [Fact]
    public void Edns_rejects_an_OPT_record_whose_name_is_not_the_root()
    {
        var packet = Octets.FromHex("0001 0000 0000 0000 0000 0001 01 61 00 0029 04d0 00000000 0000");

        Assert.Throws<DnsFormatException>(() => DnsMessage.Parse(packet).Edns);
    }

    [Fact]
    public void Edns_finds_the_OPT_record_among_other_additionals()
    {
        var glue = new DnsRecord(DnsName.Parse("ns1.example.com"), DnsType.A, 1, 60, new AddressData(IPAddress.Parse("192.0.2.1")));
        var opt = new Edns(4096, 0, 0, true, []).ToRecord();

        var edns = new DnsMessage(QueryHeader, [], [], [], [glue, opt, glue]).Edns;

        Assert.NotNull(edns);
        Assert.Equal(4096, edns.UdpPayloadSize);
    }

    [Theory]
    [InlineData("0001 18 00 0a0102", "10.1.2.0", 24)]
    [InlineData("0001 20 00 c0000201", "192.0.2.1", 32)]
    [InlineData("0001 00 00", "0.0.0.0", 0)]
    [InlineData("0001 11 00 0a0180", "10.1.128.0", 17)]
    [InlineData("0002 30 00 20010db8abcd", "2001:db8:abcd::", 48)]
    [InlineData("0002 38 00 20010db8abcd01", "2001:db8:abcd:100::", 56)]
    [InlineData("0002 80 00 20010db8000000000000000000000001", "2001:db8::1", 128)]
    public void ClientSubnet_decodes_the_prefix_zero_filled(string data, string address, int source)
    {
        var subnet = SubnetOption(data).ClientSubnet(inQuery: true);

        Assert.Equal(new ClientSubnet(IPAddress.Parse(address), (byte)source, 0), subnet);
    }

    [Fact]
    public void ClientSubnet_accepts_a_scope_in_a_response()
        => Assert.Equal(
            new ClientSubnet(IPAddress.Parse("10.1.2.0"), 24, 16),
            SubnetOption("0001 18 10 0a0102").ClientSubnet(inQuery: false));

    [Fact]
    public void ClientSubnet_rejects_family_3() => RejectsSubnet("0003 18 00 0a0102");

    [Fact]
    public void ClientSubnet_rejects_an_ipv4_source_of_33() => RejectsSubnet("0001 21 00 0a010203ff");

    [Fact]
    public void ClientSubnet_rejects_an_ipv6_source_of_129()
        => RejectsSubnet("0002 81 00 20010db8000000000000000000000001 00");

    [Fact]
    public void ClientSubnet_rejects_too_many_address_octets() => RejectsSubnet("0001 18 00 0a010200");

    [Fact]
    public void ClientSubnet_rejects_too_few_address_octets() => RejectsSubnet("0001 18 00 0a01");

    [Fact]
    public void ClientSubnet_rejects_address_bits_beyond_the_source_prefix()
    {
        RejectsSubnet("0001 17 00 0a0103"); // /23: the last bit of the third octet is beyond it
        RejectsSubnet("0002 31 00 20010db8abcdc0"); // /49: 0x40 in the seventh octet is bit 50
        Assert.NotNull(SubnetOption("0002 31 00 20010db8abcd80").ClientSubnet(inQuery: true)); // 0x80 is bit 49: inside
    }

    [Fact]
    public void ClientSubnet_rejects_a_nonzero_scope_in_a_query() => RejectsSubnet("0001 18 08 0a0102");

    [Fact]
    public void ClientSubnet_rejects_a_scope_longer_than_the_address()
        => Assert.Throws<DnsFormatException>(() => SubnetOption("0001 18 21 0a0102").ClientSubnet(inQuery: false));

    [Fact]
    public void ClientSubnet_rejects_an_option_shorter_than_its_fixed_fields() => RejectsSubnet("0001 18");

    [Fact]
    public void ClientSubnet_rejects_two_options()
    {
        var subnet = new EdnsOption(Edns.ClientSubnetCode, Octets.FromHex("0001 18 00 0a0102"));
        var edns = new Edns(1232, 0, 0, false, [subnet, new EdnsOption(10, [1, 2, 3, 4, 5, 6, 7, 8]), subnet]);

        Assert.Throws<DnsFormatException>(() => edns.ClientSubnet(inQuery: true));
    }

    [Fact]
    public void ClientSubnet_is_null_without_the_option()
        => Assert.Null(new Edns(1232, 0, 0, false, [new EdnsOption(10, [1, 2, 3, 4, 5, 6, 7, 8])]).ClientSubnet(inQuery: true));

    [Theory]
    [InlineData("10.1.2.3", 24, 0, "0001 18 00 0a0102")]
    [InlineData("10.1.255.3", 17, 0, "0001 11 00 0a0180")]
    [InlineData("192.0.2.1", 32, 0, "0001 20 00 c0000201")]
    [InlineData("192.0.2.1", 0, 0, "0001 00 00")]
    [InlineData("2001:db8:abcd:ffff::1", 48, 40, "0002 30 28 20010db8abcd")]
    [InlineData("2001:db8:abcd:ffff::1", 50, 0, "0002 32 00 20010db8abcdc0")]
    public void ToOption_truncates_the_address_to_the_source_prefix(string address, int source, int scope, string data)
    {
        var option = new ClientSubnet(IPAddress.Parse(address), (byte)source, (byte)scope).ToOption();

        Assert.Equal(Edns.ClientSubnetCode, option.Code);
        Assert.Equal(Octets.ToHex(Octets.FromHex(data)), Octets.ToHex(option.Data));
    }

    [Fact]
    public void ToOption_refuses_a_prefix_longer_than_the_address()
        => Assert.Throws<InvalidOperationException>(() => new ClientSubnet(IPAddress.Parse("10.0.0.0"), 33, 0).ToOption());

    private static Edns SubnetOption(string data) => new(1232, 0, 0, false, [new EdnsOption(Edns.ClientSubnetCode, Octets.FromHex(data))]);

    private static void RejectsSubnet(string data)
        => Assert.Throws<DnsFormatException>(() => SubnetOption(data).ClientSubnet(inQuery: true));
}
