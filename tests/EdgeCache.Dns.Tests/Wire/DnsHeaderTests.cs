using EdgeCache.Dns.Wire;

namespace EdgeCache.Dns.Tests.Wire;

public sealed class DnsHeaderTests
{
    [Theory]
    [InlineData(0x8000, true, 0, false, false, false, false, false, false, 0)]
    [InlineData(0x7800, false, 15, false, false, false, false, false, false, 0)]
    [InlineData(0x2800, false, 5, false, false, false, false, false, false, 0)]
    [InlineData(0x0400, false, 0, true, false, false, false, false, false, 0)]
    [InlineData(0x0200, false, 0, false, true, false, false, false, false, 0)]
    [InlineData(0x0100, false, 0, false, false, true, false, false, false, 0)]
    [InlineData(0x0080, false, 0, false, false, false, true, false, false, 0)]
    [InlineData(0x0040, false, 0, false, false, false, false, false, false, 0)] // Z carries nothing
    [InlineData(0x0020, false, 0, false, false, false, false, true, false, 0)]
    [InlineData(0x0010, false, 0, false, false, false, false, false, true, 0)]
    [InlineData(0x000f, false, 0, false, false, false, false, false, false, 15)]
    [InlineData(0x8583, true, 0, true, false, true, true, false, false, 3)]
    [InlineData(0xffff, true, 15, true, true, true, true, true, true, 15)]
    public void TryReadHeader_decodes_each_flag(
        int flags, bool qr, int opcode, bool aa, bool tc, bool rd, bool ra, bool ad, bool cd, int rcode)
    {
        byte[] packet = [0xbe, 0xef, (byte)(flags >> 8), (byte)flags, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

        Assert.True(DnsMessage.TryReadHeader(packet, out var header, out var questionCount));

        Assert.Equal(new DnsHeader(0xbeef, qr, (DnsOpcode)opcode, aa, tc, rd, ra, ad, cd, (byte)rcode), header);
        Assert.Equal(2, questionCount);
    }

    [Fact]
    public void TryReadHeader_needs_twelve_octets_and_nothing_after_them()
    {
        var query = KnownPackets.DigQuery;

        Assert.False(DnsMessage.TryReadHeader(query.AsSpan(0, 11), out _, out _));
        Assert.False(DnsMessage.TryReadHeader([], out _, out _));
        Assert.True(DnsMessage.TryReadHeader(query.AsSpan(0, 12), out var header, out var questionCount));
        Assert.Equal(0x8b00, header.Id);
        Assert.True(header.RecursionDesired);
        Assert.True(header.AuthenticData);
        Assert.Equal(1, questionCount);
    }

    [Theory]
    [InlineData(0x8000)]
    [InlineData(0x7800)]
    [InlineData(0x05b0)]
    [InlineData(0x8583)]
    [InlineData(0xffbf)] // every bit but Z
    public void Write_encodes_the_flags_TryReadHeader_decodes(int flags)
    {
        byte[] packet = [0x12, 0x34, (byte)(flags >> 8), (byte)flags, 0, 0, 0, 0, 0, 0, 0, 0];
        DnsMessage.TryReadHeader(packet, out var header, out _);

        var written = new DnsMessage(header, [], [], [], []).Write();

        Assert.Equal(packet, written);
    }

    [Fact]
    public void Write_refuses_a_response_code_over_four_bits()
    {
        var header = new DnsHeader(1, true, DnsOpcode.Query, false, false, false, false, false, false, (byte)DnsResponseCode.BadVersion);

        Assert.Throws<InvalidOperationException>(() => new DnsMessage(header, [], [], [], []).Write());
    }
}
