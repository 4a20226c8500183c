namespace EdgeCache.Dns.Tests.Wire;

/// <summary>
/// Packets known octet by octet: the queries are what <c>dig</c> 9.18 sent to a local socket; the
/// responses are written by hand, compressed the way RFC 1035 4.1.4 describes (offsets in the comments).
/// </summary>
internal static class KnownPackets
{
    /// <summary><c>dig example.com A</c>: RD and AD set, EDNS with a 1232-octet payload and a client cookie.</summary>
    public static byte[] DigQuery => Octets.FromHex(
        "8b00 0120 0001 0000 0000 0001" + // ID, RD AD, 1 question, 1 additional
        "07 6578616d706c65 03 636f6d 00 0001 0001" + // example.com A IN
        "00 0029 04d0 00000000 000c" + // OPT: root, payload 1232, flags 0, RDLENGTH 12
        "000a 0008 2c1273ca7070f90e"); // COOKIE, 8-octet client cookie

    /// <summary><c>dig +subnet=10.1.2.0/24 example.com A</c>.</summary>
    public static byte[] DigQueryWithSubnet => Octets.FromHex(
        "f9e7 0120 0001 0000 0000 0001" +
        "07 6578616d706c65 03 636f6d 00 0001 0001" +
        "00 0029 04d0 00000000 0017" + // RDLENGTH 23
        "0008 0007 0001 18 00 0a0102" + // ECS: family 1, source /24, scope 0, 10.1.2
        "000a 0008 dccd7ff696917ca4");

    /// <summary><c>dig +subnet=2001:db8:abcd::/48 +dnssec -t AAAA WwW.ExAmple.COM</c>.</summary>
    public static byte[] DigQueryIPv6SubnetDnssec => Octets.FromHex(
        "10de 0120 0001 0000 0000 0001" +
        "03 577757 07 4578416d706c65 03 434f4d 00 001c 0001" + // WwW.ExAmple.COM AAAA IN
        "00 0029 04d0 00008000 001a" + // DO set
        "0008 000a 0002 30 00 20010db8abcd" + // ECS: family 2, source /48, 2001:db8:abcd
        "000a 0008 ced92cd733ff3340");

    /// <summary>An answer to <c>www.example.com A</c> through a CNAME, with an NS authority and OPT.</summary>
    public static byte[] CompressedResponse => Octets.FromHex(
        "8b00 8580 0001 0002 0001 0001" + // QR AA RD RA
        "03 777777 07 6578616d706c65 03 636f6d 00 0001 0001" + // 12: www(12) example(16) com(24)
        "c00c 0005 0001 0000012c 0007" + // 33: www.example.com CNAME, TTL 300
        "04 65646765 c010" + // 45: edge, then example.com at 16
        "c02d 0001 0001 0000003c 0004 c000020a" + // 52: edge.example.com (45) A 192.0.2.10, TTL 60
        "c010 0002 0001 00015180 0006 03 6e7331 c010" + // 68: example.com NS ns1.example.com, TTL 86400
        "00 0029 04d0 00000000 0000"); // 86: OPT, no options

    /// <summary>An answer to <c>_http._tcp.example.com SRV</c>: an uncompressed SRV target, AAAA, and SOA in the authority section.</summary>
    public static byte[] SrvAaaaSoaResponse => Octets.FromHex(
        "1234 8400 0001 0002 0001 0000" + // QR AA
        "05 5f68747470 04 5f746370 07 6578616d706c65 03 636f6d 00 0021 0001" + // 12: _http(12) _tcp(18) example(23) com(31)
        "c00c 0021 0001 00000e10 0018" + // 40: SRV, TTL 3600, RDLENGTH 24
        "000a 0005 1f90 04 65646765 07 6578616d706c65 03 636f6d 00" + // 52: priority 10, weight 5, port 8080, edge(58).example.com
        "c03a 001c 0001 00000e10 0010 20010db8000000000000000000000001" + // 76: edge.example.com AAAA 2001:db8::1
        "c017 0006 0001 00000e10 0027" + // 104: example.com SOA, RDLENGTH 39
        "03 6e7331 c017 0a 686f73746d6173746572 c017" + // 116: ns1.example.com hostmaster.example.com
        "78c404c9 00001c20 00000e10 00127500 0000012c"); // serial 2026112201, refresh 7200, retry 3600, expire 1209600, minimum 300
}
