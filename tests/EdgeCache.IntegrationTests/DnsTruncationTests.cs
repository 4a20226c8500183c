using EdgeCache.IntegrationTests.Infrastructure;

namespace EdgeCache.IntegrationTests;

/// <summary>A fleet of 40 real edges: a classic UDP answer cannot hold them, TCP can (asked with the real dig).</summary>
[Collection(nameof(HeavyTests))]
public sealed class DnsTruncationTests
{
    [Fact]
    public async Task Forty_edges_do_not_fit_a_classic_udp_answer_so_it_is_truncated_and_dig_gets_them_all_over_tcp()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 1, edgesPerRegion: 40);
        await using var dns = await DnsServerProcess.StartAsync(fleet);
        await dns.WaitUntilAnsweredAsync(DnsServerProcess.Zone, answers => answers.Count == 40);

        var (_, truncated, _) = await dns.DigAsync(DnsServerProcess.Zone, "A", "+noedns", "+ignore");
        var (_, retried, _) = await dns.DigAsync(DnsServerProcess.Zone, "A", "+noedns");
        var overTcp = await dns.DigShortAsync(DnsServerProcess.Zone, "A", "+tcp");

        Assert.Matches(@"flags: qr aa tc", truncated);
        Assert.Contains("ANSWER: 0", truncated);
        Assert.Contains("Truncated, retrying in TCP mode", retried);
        Assert.Contains("ANSWER: 40", retried);
        Assert.Equal(fleet.Edges.Select(e => DnsServerProcess.Host(e)).Order(), overTcp.Order());
    }
}
