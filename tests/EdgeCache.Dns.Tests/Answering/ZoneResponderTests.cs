using System.Net;
using EdgeCache.Dns.Answering;
using EdgeCache.Dns.Geo;
using EdgeCache.Dns.Wire;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeCache.Dns.Tests.Answering;

public sealed class ZoneResponderTests
{
    private static readonly DnsName Zone = DnsName.Parse("cdn.example");
    private static readonly IPAddress Client = IPAddress.Parse("198.51.100.7");

    private static readonly FleetSnapshot ThreeRegions = new(
        [
            Edge("us-east-1", "us-east", "127.0.1.1", 8001),
            Edge("us-east-2", "us-east", "127.0.1.2", 8002),
            Edge("eu-west-1", "eu-west", "127.0.2.1", 8003),
            Edge("eu-west-2", "eu-west", "127.0.2.2", 8004),
            Edge("v6-1", "ap-south", "2001:db8::1", 8005),
        ],
        ["ap-south", "eu-west", "us-east", "sa-east"]);

    private static readonly GeoMap Geo = GeoMap.Parse("""
        # test networks
        10.1.0.0/16 eu-west
        10.2.0.0/16 sa-east
        198.51.100.0/24 us-east
        """);

    [Fact]
    public void The_apex_answers_the_healthy_edges_of_the_clients_region_with_the_ttl()
    {
        var reply = Ask(Responder(), "cdn.example", DnsType.A);

        Assert.Equal((byte)DnsResponseCode.NoError, reply.Header.ResponseCode);
        Assert.True(reply.Header.Authoritative);
        Assert.Equal(["127.0.1.1", "127.0.1.2"], Addresses(reply).Order());
        Assert.All(reply.Answers, a => Assert.Equal(30u, a.Ttl));
    }

    [Fact]
    public void Consecutive_queries_rotate_the_answers_so_every_edge_comes_first_in_turn()
    {
        var responder = Responder(geo: GeoMap.Empty);

        var firsts = Enumerable.Range(0, 8).Select(_ => Addresses(Ask(responder, "cdn.example", DnsType.A))[0]).ToList();

        Assert.Equal(["127.0.1.1", "127.0.1.2", "127.0.2.1", "127.0.2.2"], firsts.Take(4).Order());
        Assert.Equal(firsts.Take(4), firsts.Skip(4));
        // A rotation, not a shuffle: after the first edge comes the rest in the fleet's order.
        string[] fleetOrder = ["127.0.1.1", "127.0.1.2", "127.0.2.1", "127.0.2.2"];
        var one = Addresses(Ask(responder, "cdn.example", DnsType.A));
        var start = Array.IndexOf(fleetOrder, one[0]);
        Assert.Equal([.. fleetOrder[start..], .. fleetOrder[..start]], one);
    }

    [Fact]
    public void A_client_subnet_picks_the_region_over_the_source_address_and_is_echoed_with_its_scope()
    {
        var reply = Ask(Responder(), "cdn.example", DnsType.A, subnet: new ClientSubnet(IPAddress.Parse("10.1.2.0"), 24, 0));

        Assert.Equal(["127.0.2.1", "127.0.2.2"], Addresses(reply).Order());
        var echoed = reply.Edns!.ClientSubnet(inQuery: false)!;
        Assert.Equal(IPAddress.Parse("10.1.2.0"), echoed.Address);
        Assert.Equal(24, echoed.SourcePrefixLength);
        Assert.Equal(24, echoed.ScopePrefixLength);
    }

    [Fact]
    public void A_region_without_healthy_edges_gets_every_healthy_edge_rather_than_none()
    {
        var reply = Ask(Responder(), "cdn.example", DnsType.A, subnet: new ClientSubnet(IPAddress.Parse("10.2.0.0"), 16, 0));

        Assert.Equal(4, Addresses(reply).Count);
    }

    [Fact]
    public void A_client_of_no_known_region_gets_every_healthy_edge()
    {
        var reply = Ask(Responder(), "cdn.example", DnsType.A, client: IPAddress.Parse("203.0.113.9"));

        Assert.Equal(4, Addresses(reply).Count);
    }

    [Fact]
    public void AAAA_answers_the_ipv6_edges_and_A_never_does()
    {
        var responder = Responder(geo: GeoMap.Empty);

        Assert.Equal(["2001:db8::1"], Addresses(Ask(responder, "cdn.example", DnsType.AAAA)));
        Assert.DoesNotContain("2001:db8::1", Addresses(Ask(responder, "cdn.example", DnsType.A)));
    }

    [Fact]
    public void A_region_name_answers_that_regions_edges_whoever_asks_and_its_scope_is_0()
    {
        var reply = Ask(Responder(), "EU-West.cdn.example", DnsType.A, subnet: new ClientSubnet(IPAddress.Parse("198.51.100.0"), 24, 0));

        Assert.Equal(["127.0.2.1", "127.0.2.2"], Addresses(reply).Order());
        // The spelling of the question is kept (0x20 randomization).
        Assert.All(reply.Answers, a => Assert.Equal("EU-West.cdn.example", a.Name.ToString()));
        Assert.Equal(0, reply.Edns!.ClientSubnet(inQuery: false)!.ScopePrefixLength);
    }

    [Fact]
    public void An_edge_name_answers_that_edge()
    {
        var reply = Ask(Responder(), "eu-west-2.eu-west.cdn.example", DnsType.A);

        Assert.Equal(["127.0.2.2"], Addresses(reply));
    }

    [Fact]
    public void Srv_for_http_lists_the_edges_ports_with_their_addresses_as_additional_records()
    {
        var reply = Ask(Responder(), "_http._tcp.us-east.cdn.example", DnsType.SRV);

        var services = reply.Answers.Select(a => (SrvData)a.Data).OrderBy(s => s.Port).ToList();
        Assert.Equal([8001, 8002], services.Select(s => (int)s.Port));
        Assert.Equal(["us-east-1.us-east.cdn.example", "us-east-2.us-east.cdn.example"], services.Select(s => s.Target.ToString()));
        Assert.Equal(
            [("us-east-1.us-east.cdn.example", "127.0.1.1"), ("us-east-2.us-east.cdn.example", "127.0.1.2")],
            reply.Additionals.Where(r => r.Type == DnsType.A).Select(r => (r.Name.ToString(), ((AddressData)r.Data).Address.ToString())).Order());
    }

    [Fact]
    public void Soa_and_ns_are_answered_at_the_apex_with_the_servers_address_as_glue()
    {
        var responder = Responder(nameServer: IPAddress.Parse("127.0.0.53"));

        var soa = Assert.Single(Ask(responder, "cdn.example", DnsType.SOA).Answers);
        var ns = Ask(responder, "cdn.example", DnsType.NS);

        Assert.Equal("ns.cdn.example", ((SoaData)soa.Data).PrimaryServer.ToString());
        Assert.Equal(30u, ((SoaData)soa.Data).Minimum);
        Assert.Equal("ns.cdn.example", ((NameData)Assert.Single(ns.Answers).Data).Name.ToString());
        Assert.Equal("127.0.0.53", ((AddressData)Assert.Single(ns.Additionals, r => r.Type == DnsType.A).Data).Address.ToString());
        Assert.Equal(["127.0.0.53"], Addresses(Ask(responder, "ns.cdn.example", DnsType.A)));
    }

    [Theory]
    [InlineData("nothing.cdn.example")]
    [InlineData("a.b.c.cdn.example")]
    [InlineData("us-east-9.us-east.cdn.example")]
    public void Unknown_names_in_the_zone_are_nxdomain_with_the_soa_for_negative_caching(string name)
    {
        var reply = Ask(Responder(), name, DnsType.A);

        Assert.Equal((byte)DnsResponseCode.NameError, reply.Header.ResponseCode);
        Assert.True(reply.Header.Authoritative);
        Assert.Empty(reply.Answers);
        Assert.Equal(DnsType.SOA, Assert.Single(reply.Authorities).Type);
    }

    [Theory]
    [InlineData(DnsType.AXFR)]
    [InlineData(DnsType.IXFR)]
    public void Zone_transfers_are_refused(DnsType type)
    {
        var reply = Ask(Responder(), "cdn.example", type);

        Assert.Equal((byte)DnsResponseCode.Refused, reply.Header.ResponseCode);
        Assert.Empty(reply.Answers);
    }

    [Theory]
    [InlineData("_tcp.cdn.example")]
    [InlineData("_tcp.eu-west.cdn.example")]
    public void The_parent_of_the_srv_name_exists_without_records(string name)
    {
        var reply = Ask(Responder(), name, DnsType.A);

        Assert.Equal((byte)DnsResponseCode.NoError, reply.Header.ResponseCode);
        Assert.Empty(reply.Answers);
    }

    [Fact]
    public void A_known_name_without_that_type_is_nodata_not_nxdomain()
    {
        var reply = Ask(Responder(), "eu-west.cdn.example", DnsType.MX);

        Assert.Equal((byte)DnsResponseCode.NoError, reply.Header.ResponseCode);
        Assert.Empty(reply.Answers);
        Assert.Equal(DnsType.SOA, Assert.Single(reply.Authorities).Type);
    }

    [Theory]
    [InlineData("example.com", DnsClass.IN)]
    [InlineData("example", DnsClass.IN)]
    [InlineData("cdn.example", DnsClass.CH)]
    public void Names_outside_the_zone_and_other_classes_are_refused(string name, DnsClass @class)
    {
        var reply = Parse(Responder().Respond(Query(name, DnsType.A, @class: @class), Client, DnsTransport.Udp));

        Assert.Equal((byte)DnsResponseCode.Refused, reply.Header.ResponseCode);
        Assert.False(reply.Header.Authoritative);
        Assert.Empty(reply.Answers);
    }

    [Theory]
    [InlineData(DnsOpcode.Notify)]
    [InlineData(DnsOpcode.Update)]
    [InlineData(DnsOpcode.Status)]
    public void Other_opcodes_are_not_implemented(DnsOpcode opcode)
    {
        var reply = Parse(Responder().Respond(Query("cdn.example", DnsType.A, opcode: opcode), Client, DnsTransport.Udp));

        Assert.Equal((byte)DnsResponseCode.NotImplemented, reply.Header.ResponseCode);
        Assert.Equal(opcode, reply.Header.Opcode);
    }

    [Fact]
    public void Two_questions_or_a_malformed_body_are_format_errors_that_keep_the_id()
    {
        var two = QueryMessage("cdn.example", DnsType.A) with
        {
            Questions = [new DnsQuestion(Zone, DnsType.A, DnsClass.IN), new DnsQuestion(Zone, DnsType.AAAA, DnsClass.IN)],
        };
        var truncated = Query("cdn.example", DnsType.A)[..15];

        var first = Parse(Responder().Respond(two.Write(), Client, DnsTransport.Udp));
        var second = Parse(Responder().Respond(truncated, Client, DnsTransport.Udp));

        Assert.Equal((byte)DnsResponseCode.FormatError, first.Header.ResponseCode);
        Assert.Equal((byte)DnsResponseCode.FormatError, second.Header.ResponseCode);
        Assert.Equal(0x1234, second.Header.Id);
        Assert.True(second.Header.IsResponse);
    }

    [Fact]
    public void A_malformed_client_subnet_is_a_format_error()
    {
        var badSubnet = new EdnsOption(Edns.ClientSubnetCode, [0, 1, 24, 0, 10, 1, 2, 3]);
        var query = QueryMessage("cdn.example", DnsType.A) with
        {
            Additionals = [new Edns(1232, 0, 0, false, [badSubnet]).ToRecord()],
        };

        var reply = Parse(Responder().Respond(query.Write(), Client, DnsTransport.Udp));

        Assert.Equal((byte)DnsResponseCode.FormatError, reply.Header.ResponseCode);
    }

    [Fact]
    public void An_edns_version_above_0_gets_badvers_in_the_opt_record()
    {
        var query = QueryMessage("cdn.example", DnsType.A) with { Additionals = [new Edns(1232, 0, 1, false, []).ToRecord()] };

        var reply = Parse(Responder().Respond(query.Write(), Client, DnsTransport.Udp));

        Assert.Equal(0, reply.Header.ResponseCode);
        Assert.Equal(1, reply.Edns!.ExtendedResponseCode);
        Assert.Equal(0, reply.Edns.Version);
    }

    [Fact]
    public void Responses_and_packets_shorter_than_a_header_get_no_answer()
    {
        var response = QueryMessage("cdn.example", DnsType.A) with { Header = QueryMessage("cdn.example", DnsType.A).Header with { IsResponse = true } };

        Assert.Null(Responder().Respond(response.Write(), Client, DnsTransport.Udp));
        Assert.Null(Responder().Respond(new byte[11], Client, DnsTransport.Udp));
    }

    [Fact]
    public void An_answer_too_large_for_udp_is_truncated_and_whole_over_tcp()
    {
        var forty = new FleetSnapshot(
            [.. Enumerable.Range(1, 40).Select(i => Edge($"e-{i}", "us-east", $"127.0.1.{i}", 8000 + i))],
            ["us-east"]);
        var responder = Responder(snapshot: forty, geo: GeoMap.Empty);
        var query = Query("cdn.example", DnsType.A, edns: false);

        var udp = Parse(responder.Respond(query, Client, DnsTransport.Udp));
        var tcp = Parse(responder.Respond(query, Client, DnsTransport.Tcp));
        var withEdns = Parse(responder.Respond(Query("cdn.example", DnsType.A), Client, DnsTransport.Udp));

        Assert.True(udp.Header.Truncated);
        Assert.Empty(udp.Answers);
        Assert.Single(udp.Questions);
        Assert.False(tcp.Header.Truncated);
        Assert.Equal(40, tcp.Answers.Count);
        // 40 A records fit EDNS's 1232 octets.
        Assert.False(withEdns.Header.Truncated);
        Assert.Equal(40, withEdns.Answers.Count);
    }

    [Fact]
    public void An_edge_that_left_the_fleet_leaves_the_answers_at_once()
    {
        var fleet = new MutableFleet { Current = ThreeRegions };
        var responder = Responder(fleet: fleet, geo: GeoMap.Empty);
        Assert.Contains("127.0.2.2", Addresses(Ask(responder, "cdn.example", DnsType.A)));

        fleet.Current = ThreeRegions with { Healthy = [.. ThreeRegions.Healthy.Where(e => e.Id != "eu-west-2")] };

        Assert.All(Enumerable.Range(0, 4), _ => Assert.DoesNotContain("127.0.2.2", Addresses(Ask(responder, "cdn.example", DnsType.A))));
    }

    [Fact]
    public void Random_packets_never_throw_and_every_reply_is_a_well_formed_response_to_the_same_id()
    {
        var responder = Responder();
        var packets = Gen.Choose(0, 600).SelectMany(length => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), length));
        // Half the cases start from a valid query so mutations reach past the header checks.
        var mutated = Gen.Choose(0, 20).SelectMany(flips => Gen.ArrayOf(Gen.Two(Gen.Choose(0, 200)), flips))
            .Select(flips =>
            {
                var query = Query("www.cdn.example", DnsType.A);
                foreach (var (at, value) in flips)
                {
                    query[at % query.Length] = (byte)value;
                }

                return query;
            });

        Prop.ForAll(Arb.From(Gen.OneOf(packets, mutated)), (byte[] packet) =>
        {
            var reply = responder.Respond(packet, Client, DnsTransport.Udp);
            if (reply is null)
            {
                return;
            }

            var parsed = DnsMessage.Parse(reply);
            Assert.True(parsed.Header.IsResponse);
            Assert.True(DnsMessage.TryReadHeader(packet, out var header, out _));
            Assert.Equal(header.Id, parsed.Header.Id);
            Assert.True(reply.Length <= ZoneResponder.EdnsUdpSize);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));
    }

    private static DnsEdge Edge(string id, string region, string address, int port) => new(id, region, IPAddress.Parse(address), port);

    private static ZoneResponder Responder(IFleetView? fleet = null, FleetSnapshot? snapshot = null, GeoMap? geo = null, IPAddress? nameServer = null)
        => new(Zone, 30, nameServer, fleet ?? new MutableFleet { Current = snapshot ?? ThreeRegions }, geo ?? Geo, TimeProvider.System, NullLogger<ZoneResponder>.Instance);

    private static DnsMessage Ask(ZoneResponder responder, string name, DnsType type, ClientSubnet? subnet = null, IPAddress? client = null)
        => Parse(responder.Respond(Query(name, type, subnet: subnet), client ?? Client, DnsTransport.Udp));

    private static DnsMessage QueryMessage(string name, DnsType type, DnsClass @class = DnsClass.IN, DnsOpcode opcode = DnsOpcode.Query, bool edns = true, ClientSubnet? subnet = null)
        => new(
            new DnsHeader(0x1234, IsResponse: false, opcode, Authoritative: false, Truncated: false, RecursionDesired: true, RecursionAvailable: false, AuthenticData: false, CheckingDisabled: false, ResponseCode: 0),
            [new DnsQuestion(DnsName.Parse(name), type, @class)],
            [],
            [],
            edns ? [new Edns(1232, 0, 0, false, subnet is null ? [] : [subnet.ToOption()]).ToRecord()] : []);

    private static byte[] Query(string name, DnsType type, DnsClass @class = DnsClass.IN, DnsOpcode opcode = DnsOpcode.Query, bool edns = true, ClientSubnet? subnet = null)
        => QueryMessage(name, type, @class, opcode, edns, subnet).Write();

    private static DnsMessage Parse(byte[]? reply) => DnsMessage.Parse(Assert.IsType<byte[]>(reply));

    private static List<string> Addresses(DnsMessage reply)
        => [.. reply.Answers.Where(a => a.Type is DnsType.A or DnsType.AAAA).Select(a => ((AddressData)a.Data).Address.ToString())];

    private sealed class MutableFleet : IFleetView
    {
        public FleetSnapshot Current { get; set; } = FleetSnapshot.Empty;
    }
}
