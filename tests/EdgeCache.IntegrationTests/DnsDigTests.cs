using System.Net;
using System.Net.Sockets;
using EdgeCache.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeCache.IntegrationTests;

/// <summary><c>edgecache dns</c>, the real binary, asked by the real <c>dig</c> (Debian dnsutils), the fleet from a real origin and edges.</summary>
public sealed class DnsDigTests(ITestOutputHelper output) : IDisposable
{
    private const string Zone = "cdn.test";
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("edgecache-dns-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task The_apex_answers_every_connected_edge_rotating_the_first_on_every_query()
    {
        await using var fleet = await TestFleet.StartAsync();
        await using var dns = await StartDnsAsync(fleet);
        var all = fleet.Edges.Select(e => Host(e)).Order().ToList();
        await WaitUntilAnsweredAsync(dns, Zone, answers => answers.Count == all.Count);

        var answers = new List<List<string>>();
        for (var i = 0; i < all.Count; i++)
        {
            answers.Add(await DigShortAsync(dns, Zone, "A"));
        }

        Assert.All(answers, a => Assert.Equal(all, a.Order()));
        // Round robin: over as many queries as there are edges, every edge came first once.
        Assert.Equal(all, answers.Select(a => a[0]).Order());
    }

    [Fact]
    public async Task A_region_name_answers_that_regions_edges_and_srv_their_ports()
    {
        await using var fleet = await TestFleet.StartAsync();
        await using var dns = await StartDnsAsync(fleet);
        await WaitUntilAnsweredAsync(dns, Zone, answers => answers.Count == fleet.Edges.Count);

        var euWest = await DigShortAsync(dns, "eu-west." + Zone, "A");
        var srv = await DigShortAsync(dns, "_http._tcp.eu-west." + Zone, "SRV");

        var expected = fleet.Edges.Where(e => e.Region == "eu-west").ToList();
        Assert.Equal(expected.Select(e => Host(e)).Order(), euWest.Order());
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
        await using var dns = await StartDnsAsync(fleet, "--geo", geo);
        await WaitUntilAnsweredAsync(dns, Zone, answers => answers.Count == fleet.Edges.Count);

        var euWest = await DigShortAsync(dns, Zone, "A", "+subnet=10.1.2.0/24");
        var apSouth = await DigShortAsync(dns, Zone, "A", "+subnet=10.2.200.0/24");
        var (_, full, _) = await DigAsync(dns, Zone, "A", "+subnet=10.1.2.0/24");

        Assert.Equal(fleet.Edges.Where(e => e.Region == "eu-west").Select(e => Host(e)).Order(), euWest.Order());
        Assert.Equal(fleet.Edges.Where(e => e.Region == "ap-south").Select(e => Host(e)).Order(), apSouth.Order());
        Assert.Contains("CLIENT-SUBNET: 10.1.2.0/24/24", full);
    }

    [Fact]
    public async Task Unknown_names_are_nxdomain_names_outside_the_zone_refused_other_opcodes_notimp_and_the_apex_has_soa_and_ns()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 1, edgesPerRegion: 1);
        await using var dns = await StartDnsAsync(fleet);

        var (_, nxdomain, _) = await DigAsync(dns, "no-such-name." + Zone, "A");
        var (_, refused, _) = await DigAsync(dns, "example.com", "A");
        var (_, notImplemented, _) = await DigAsync(dns, Zone, "A", "+opcode=notify");
        var soa = await DigShortAsync(dns, Zone, "SOA");
        var ns = await DigShortAsync(dns, Zone, "NS");

        Assert.Contains("status: NXDOMAIN", nxdomain);
        Assert.Contains("flags: qr aa", nxdomain);
        Assert.Contains("status: REFUSED", refused);
        Assert.Contains("status: NOTIMP", notImplemented);
        Assert.StartsWith($"ns.{Zone}. hostmaster.{Zone}. ", Assert.Single(soa));
        Assert.Equal([$"ns.{Zone}."], ns);
    }

    [Fact]
    public async Task Forty_edges_do_not_fit_a_classic_udp_answer_so_it_is_truncated_and_dig_gets_them_all_over_tcp()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 1, edgesPerRegion: 40);
        await using var dns = await StartDnsAsync(fleet);
        await WaitUntilAnsweredAsync(dns, Zone, answers => answers.Count == 40);

        var (_, truncated, _) = await DigAsync(dns, Zone, "A", "+noedns", "+ignore");
        var (_, retried, _) = await DigAsync(dns, Zone, "A", "+noedns");
        var overTcp = await DigShortAsync(dns, Zone, "A", "+tcp");

        Assert.Matches(@"flags: qr aa tc", truncated);
        Assert.Contains("ANSWER: 0", truncated);
        Assert.Contains("Truncated, retrying in TCP mode", retried);
        Assert.Contains("ANSWER: 40", retried);
        Assert.Equal(fleet.Edges.Select(e => Host(e)).Order(), overTcp.Order());
    }

    [Fact]
    public async Task An_edge_that_stops_leaves_the_answers_within_the_ttl_plus_10_seconds()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 2, edgesPerRegion: 1);
        await using var dns = await StartDnsAsync(fleet, "--ttl", "1");
        await WaitUntilAnsweredAsync(dns, Zone, answers => answers.Count == 2);
        var stopped = fleet.Edges[1];

        await stopped.Edge.DisposeAsync();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var left = await Deadline.UntilAsync(async () => !(await DigShortAsync(dns, Zone, "A")).Contains(Host(stopped)), TimeSpan.FromSeconds(11));
        output.WriteLine($"the stopped edge left the answers after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(left, "the stopped edge is still answered 11 s later");
        Assert.Equal([Host(fleet.Edges[0])], await DigShortAsync(dns, Zone, "A"));
    }

    [Fact]
    public async Task An_edge_that_hangs_leaves_the_answers_after_three_missed_heartbeats_within_the_ttl_plus_10_seconds()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 2, edgesPerRegion: 1);
        await using var dns = await StartDnsAsync(fleet, "--ttl", "1");
        await WaitUntilAnsweredAsync(dns, Zone, answers => answers.Count == 2);
        var hung = fleet.Edges[1];

        // Its feed stays open at the origin, but no ack and no byte gets through any more: only the missed heartbeats (3 x 2 s) tell.
        hung.Relay.Stall();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var left = await Deadline.UntilAsync(async () => !(await DigShortAsync(dns, Zone, "A")).Contains(Host(hung)), TimeSpan.FromSeconds(11));
        output.WriteLine($"the hung edge left the answers after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(left, "the hung edge is still answered 11 s later");
    }

    [Fact]
    public async Task Garbage_over_udp_and_tcp_neither_crashes_nor_stops_the_server()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 1, edgesPerRegion: 1);
        await using var dns = await StartDnsAsync(fleet);
        await WaitUntilAnsweredAsync(dns, Zone, answers => answers.Count == 1);
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

        Assert.Equal([Host(fleet.Edges[0])], await DigShortAsync(dns, Zone, "A"));
        Assert.False(dns.Process.HasExited);
    }

    private static string Host(FleetEdge edge) => new Uri(edge.Edge.Url).Host;

    private async Task<DnsProcess> StartDnsAsync(TestFleet fleet, params string[] options)
    {
        var process = CliProcess.Start(
            ["dns", "--listen", "127.0.0.1:0", "--zone", Zone, "--origin", fleet.Origin.Url, "--token", TestOrigin.Token, .. options]);
        try
        {
            var line = await process.WaitForLineAsync(l => l.StartsWith("dns listening on ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            // "dns listening on 127.0.0.1:PORT zone cdn.test"
            var endpoint = IPEndPoint.Parse(line.Split(' ')[3]);
            return new DnsProcess(process, endpoint);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until the server's fleet view (refreshed from the origin every few seconds) gives the expected answer.</summary>
    private static async Task WaitUntilAnsweredAsync(DnsProcess dns, string name, Func<List<string>, bool> expected)
        => Assert.True(await Deadline.UntilAsync(async () => expected(await DigShortAsync(dns, name, "A")), TimeSpan.FromSeconds(20)), "the DNS server never answered the expected fleet");

    private static async Task<List<string>> DigShortAsync(DnsProcess dns, string name, string type, params string[] options)
    {
        var (exitCode, output, error) = await DigAsync(dns, name, type, ["+short", .. options]);
        Assert.True(exitCode == 0, error);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith(';'))];
    }

    private static Task<(int ExitCode, string Output, string Error)> DigAsync(DnsProcess dns, string name, string type, params string[] options)
        => CliProcess.RunProgramAsync(
            "dig",
            [$"@{dns.Endpoint.Address}", "-p", dns.Endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), name, type, "+time=3", "+tries=2", .. options],
            within: TimeSpan.FromSeconds(20));

    private sealed record DnsProcess(CliProcess Process, IPEndPoint Endpoint) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }
}
