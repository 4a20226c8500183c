using System.Net;
using System.Net.Sockets;
using EdgeCache.IntegrationTests.Infrastructure;

namespace EdgeCache.IntegrationTests;

/// <summary><c>edgecache dns</c> as a person runs it: the real binary, its line, its sockets, Ctrl-C.</summary>
public sealed class DnsProcessTests
{
    private static readonly TimeSpan StartWithin = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Edgecache_dns_says_where_it_listens_holds_the_UDP_and_TCP_port_and_stops_cleanly_on_ctrl_c()
    {
        await using var fleet = await TestFleet.StartAsync(regions: 1, edgesPerRegion: 1);
        // The token from the environment, as operators may set it.
        await using var process = CliProcess.Start(
            ["dns", "--listen", "127.0.0.1:0", "--zone", "edgecache.test", "--origin", fleet.Origin.Url, "--ttl", "5"],
            new Dictionary<string, string?> { ["EDGECACHE_TOKEN"] = TestOrigin.Token });

        var line = await process.WaitForLineAsync(l => l.StartsWith("dns listening on ", StringComparison.Ordinal), StartWithin);

        Assert.Matches(@"^dns listening on 127\.0\.0\.1:\d+ zone edgecache\.test$", line);
        var endpoint = IPEndPoint.Parse(line.Split(' ')[3]);
        using (var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            Assert.Equal(SocketError.AddressAlreadyInUse, Assert.Throws<SocketException>(() => udp.Bind(endpoint)).SocketErrorCode);
        }

        using (var tcp = new TcpClient(AddressFamily.InterNetwork))
        {
            await tcp.ConnectAsync(endpoint);
        }

        // The fleet was read: the watcher reports it once it has it.
        await process.WaitForLineAsync(l => l.Contains("Fleet: 1 healthy edges in 1 regions (us-east-1)", StringComparison.Ordinal), StartWithin);

        process.Interrupt();
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(string.Empty, process.Error);
    }

    [Fact]
    public async Task A_dns_server_that_cannot_listen_says_so_in_one_line_without_a_stack_trace()
    {
        // 192.0.2.0/24 is TEST-NET-1: for documentation, never assigned to a machine.
        var (exitCode, output, error) = await CliProcess.RunAsync(
            ["dns", "--listen", "192.0.2.1:5353", "--zone", "edgecache.test", "--origin", "http://127.0.0.1:9", "--token", "t"]);

        Assert.Equal(1, exitCode);
        Assert.Equal("edgecache: cannot listen: 192.0.2.1:5353 (UDP): Cannot assign requested address", error.Trim());
        Assert.DoesNotContain("   at ", output);
    }
}
