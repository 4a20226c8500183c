using System.Net;
using System.Net.Sockets;
using EdgeCache.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeCache.IntegrationTests;

/// <summary><c>edgecache dns</c>, the real binary, asked by the real <c>dig</c> (Debian dnsutils), the fleet from a real origin and edges.</summary>
public sealed class DnsDigTests(ITestOutputHelper output) : IDisposable
{
    private const string Zone = DnsServerProcess.Zone;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("edgecache-dns-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task The_apex_answers_every_connected_edge_rotating_the_first_on_every_query()
    {
        await using var fleet = await TestFleet.StartAsync();
        await using var dns = await DnsServerProcess.StartAsync(fleet);
        var all = fleet.Edges.Select(e => DnsServerProcess.Host(e)).Order().ToList();
        await dns.WaitUntilAnsweredAsync(Zone, answers => answers.Count == all.Count);

        var answers = new List<List<string>>();
        for (var i = 0; i < all.Count; i++)
        {
            answers.Add(await dns.DigShortAsync(Zone, "A"));
        }

        Assert.All(answers, a => Assert.Equal(all, a.Order()));
        // Round robin: over as many queries as there are edges, every edge came first once.
        Assert.Equal(all, answers.Select(a => a[0]).Order());
    }

    [Fact]
    public async Task A_region_name_answers_that_regions_edges_and_srv_their_ports()
    {
        await using var fleet = await TestFleet.StartAsync();
        await using var dns = await DnsServerProcess.StartAsync(fleet);
        await dns.WaitUntilAnsweredAsync(Zone, answers => answers.Count == fleet.Edges.Count);

        var euWest = await dns.DigShortAsync("eu-west." + Zone, "A");
        var srv = await dns.DigShortAsync("_http._tcp.eu-west." + Zone, "SRV");

        var expected = fleet.Edges.Where(e => e.Region == "eu-west").ToList();
        Assert.Equal(expected.Select(e => DnsServerProcess.Host(e)).Order(), euWest.Order());
        // "10 10 PORT eu-west-1.eu-west.cdn.test."
        Assert.Equal(
            expected.Select(e => $"10 10 {new Uri(e.Edge.Url).Port} {e.Id}.eu-west.{Zone}.").Order(),
            srv.Order());
    }

    [Fact]
    public async Task A_client_subnet_in_a_geo_network_gets_its_regions_edges_and_the_scope_back()
    {
        await using var fleet = await TestFleet.StartAsync();
        var geo = Path.Combine(_work.FullName, "geo.txt");
        File.WriteAllText(geo, "# networks of our users\n10.1.0.0/16 eu-west\n10.2.0.0/16 ap-south\n");
        await using var dns = await DnsServerProcess.StartAsync(fleet, "--geo", geo);
        await dns.WaitUntilAnsweredAsync(Zone, answers => answers.Count == fleet.Edges.Count);

        var euWest = await dns.DigShortAsync(Zone, "A", "+subnet=10.1.2.0/24");
        var apSouth = await dns.DigShortAsync(Zone, "A", "+subnet=10.2.200.0/24");
        var (_, full, _) = await dns.DigAsync(Zone, "A", "+subnet=10.1.2.0/24");

        Assert.Equal(fleet.Edges.Where(e => e.Region == "eu-west").Select(e => DnsServerProcess.Host(e)).Order(), euWest.Order());
        Assert.Equal(fleet.Edges.Where(e => e.Region == "ap-south").Select(e => DnsServerProcess.Host(e)).Order(), apSouth.Order());
        Assert.Contains("CLIENT-SUBNET: 10.1.2.0/24/24", full);
    }

    [Fact]
    public async Task Unknown_names_are_nxdomain_names_outside_the_zone_refused_other_opcodes_notimp_and_the_apex_has_soa_and_ns()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 1, edgesPerRegion: 1);
        await using var dns = await DnsServerProcess.StartAsync(fleet);

        var (_, nxdomain, _) = await dns.DigAsync("no-such-name." + Zone, "A");
        var (_, refused, _) = await dns.DigAsync("example.com", "A");
        var (_, notImplemented, _) = await dns.DigAsync(Zone, "A", "+opcode=notify");
        var soa = await dns.DigShortAsync(Zone, "SOA");
        var ns = await dns.DigShortAsync(Zone, "NS");

        Assert.Contains("status: NXDOMAIN", nxdomain);
        Assert.Contains("flags: qr aa", nxdomain);
        Assert.Contains("status: REFUSED", refused);
        Assert.Contains("status: NOTIMP", notImplemented);
        Assert.StartsWith($"ns.{Zone}. hostmaster.{Zone}. ", Assert.Single(soa));
        Assert.Equal([$"ns.{Zone}."], ns);
    }

    [Fact]
    public async Task An_edge_that_stops_leaves_the_answers_within_the_ttl_plus_10_seconds()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 2, edgesPerRegion: 1);
        await using var dns = await DnsServerProcess.StartAsync(fleet, "--ttl", "1");
        await dns.WaitUntilAnsweredAsync(Zone, answers => answers.Count == 2);
        var stopped = fleet.Edges[1];

        await stopped.Edge.DisposeAsync();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var left = await Deadline.UntilAsync(async () => !(await dns.DigShortAsync(Zone, "A")).Contains(DnsServerProcess.Host(stopped)), TimeSpan.FromSeconds(11));
        output.WriteLine($"the stopped edge left the answers after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(left, "the stopped edge is still answered 11 s later");
        Assert.Equal([DnsServerProcess.Host(fleet.Edges[0])], await dns.DigShortAsync(Zone, "A"));
    }

    [Fact]
    public async Task An_edge_that_hangs_leaves_the_answers_after_three_missed_heartbeats_within_the_ttl_plus_10_seconds()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 2, edgesPerRegion: 1);
        await using var dns = await DnsServerProcess.StartAsync(fleet, "--ttl", "1");
        await dns.WaitUntilAnsweredAsync(Zone, answers => answers.Count == 2);
        var hung = fleet.Edges[1];

        // Its feed stays open at the origin, but no ack and no byte gets through any more: only the missed heartbeats (3 x 2 s) tell.
        hung.Relay.Stall();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var left = await Deadline.UntilAsync(async () => !(await dns.DigShortAsync(Zone, "A")).Contains(DnsServerProcess.Host(hung)), TimeSpan.FromSeconds(11));
        output.WriteLine($"the hung edge left the answers after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(left, "the hung edge is still answered 11 s later");
    }

    [Fact]
    public async Task Garbage_over_udp_and_tcp_neither_crashes_nor_stops_the_server()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 1, edgesPerRegion: 1);
        await using var dns = await DnsServerProcess.StartAsync(fleet);
        await dns.WaitUntilAnsweredAsync(Zone, answers => answers.Count == 1);
        var endpoint = dns.Endpoint;
        var random = new Random(7);
        using (var udp = new UdpClient())
        {
            for (var i = 0; i < 500; i++)
            {
                var packet = new byte[random.Next(0, 700)];
                random.NextBytes(packet);
                await udp.SendAsync(packet, endpoint);
            }
        }

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(endpoint);
            var junk = new byte[4096];
            random.NextBytes(junk);
            // A length prefix promising more than will ever come, then garbage and a close.
            await tcp.GetStream().WriteAsync(junk);
        }

        Assert.Equal([DnsServerProcess.Host(fleet.Edges[0])], await dns.DigShortAsync(Zone, "A"));
        Assert.False(dns.Process.HasExited);
    }
}
