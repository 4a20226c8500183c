using System.Net;
using EdgeCache.Dns.Answering;
using EdgeCache.Dns.Fleet;
using EdgeCache.Replication.Fleet;

namespace EdgeCache.Dns.Tests.Fleet;

public sealed class FleetSnapshotsTests
{
    [Fact]
    public void Only_connected_edges_are_healthy()
    {
        var snapshot = FleetSnapshots.From(Report(
            Edge("us-east-1", "us-east", "http://127.0.1.1:8080"),
            Edge("us-east-2", "us-east", "http://127.0.1.2:8080", connected: false)));

        var edge = Assert.Single(snapshot.Healthy);
        Assert.Equal(new DnsEdge("us-east-1", "us-east", IPAddress.Parse("127.0.1.1"), 8080), edge);
    }

    [Fact]
    public void Every_region_of_the_report_is_listed_once_in_order_even_with_no_edge_connected()
    {
        var snapshot = FleetSnapshots.From(Report(
            Edge("us-east-1", "us-east", "http://127.0.1.1:8080"),
            Edge("ap-south-1", "ap-south", "http://127.0.3.1:8080", connected: false),
            Edge("eu-west-1", "eu-west", "http://127.0.2.1:8080"),
            Edge("eu-west-2", "eu-west", "http://127.0.2.2:8080")));

        Assert.Equal(["ap-south", "eu-west", "us-east"], snapshot.Regions);
        Assert.Equal(["eu-west-1", "eu-west-2", "us-east-1"], snapshot.Healthy.Select(e => e.Id));
    }

    [Theory]
    [InlineData("http://192.0.2.7:8080", "192.0.2.7", 8080)]
    [InlineData("http://192.0.2.7", "192.0.2.7", 80)]
    [InlineData("https://192.0.2.7", "192.0.2.7", 443)]
    [InlineData("https://192.0.2.7:8443/", "192.0.2.7", 8443)]
    [InlineData("http://[2001:db8::7]:8080", "2001:db8::7", 8080)]
    [InlineData("https://[2001:db8::7]", "2001:db8::7", 443)]
    [InlineData("http://[::ffff:192.0.2.7]:81", "192.0.2.7", 81)]
    public void An_IP_literal_endpoint_gives_the_address_and_port(string endpoint, string address, int port)
    {
        var edge = Assert.Single(FleetSnapshots.From(Report(Edge("a", "r", endpoint))).Healthy);

        Assert.Equal((IPAddress.Parse(address), port), (edge.Address, edge.Port));
    }

    [Theory]
    [InlineData("http://edge1.example.net:8080")]
    [InlineData("http://localhost:8080")]
    [InlineData("ftp://192.0.2.7/")]
    [InlineData("192.0.2.7:8080")]
    [InlineData("/relative")]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://[::]:8080")]
    [InlineData("")]
    [InlineData(null)]
    public void An_edge_without_an_IP_literal_http_endpoint_is_left_out_and_named(string? endpoint)
    {
        var snapshot = FleetSnapshots.From(Report(Edge("a", "r", endpoint), Edge("b", "r", "http://192.0.2.8:80")), out var unaddressable);

        Assert.Equal(["b"], snapshot.Healthy.Select(e => e.Id));
        Assert.Equal(["a"], unaddressable.Select(e => e.Id));
        Assert.Equal(["r"], snapshot.Regions);
    }

    [Fact]
    public void A_disconnected_edge_with_a_host_name_is_not_reported_as_unaddressable()
    {
        FleetSnapshots.From(Report(Edge("a", "r", "http://edge.example.net", connected: false)), out var unaddressable);

        Assert.Empty(unaddressable);
    }

    [Fact]
    public void An_empty_fleet_is_empty()
    {
        var snapshot = FleetSnapshots.From(Report());

        Assert.Empty(snapshot.Healthy);
        Assert.Empty(snapshot.Regions);
    }

    private static FleetReport Report(params EdgeReport[] edges) => new(7, edges);

    private static EdgeReport Edge(string id, string region, string? endpoint, bool connected = true)
        => new(id, region, endpoint, 7, 0, connected, DateTimeOffset.UnixEpoch, 0, 0, 0, 0);
}
