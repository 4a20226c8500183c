using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace EdgeCache.IntegrationTests.Infrastructure;

/// <summary>One edge of a <see cref="TestFleet"/> and the relay its feed runs through.</summary>
public sealed record FleetEdge(string Id, string Region, TestEdge Edge, TcpRelay Relay) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await Edge.DisposeAsync();
        await Relay.DisposeAsync();
    }
}

/// <summary>
/// A real origin and edges in several regions, each edge on its own loopback address
/// (127.0.&lt;region&gt;.&lt;edge&gt;) with its feed connection through a <see cref="TcpRelay"/> on that
/// address, so a test can cut or stall one edge's link to the origin. Client misses go
/// straight to the origin, as from an edge's own upstream link.
/// </summary>
public sealed class TestFleet : IAsyncDisposable
{
    public static readonly string[] DefaultRegions = ["us-east", "eu-west", "ap-south"];

    private TestFleet(TestOrigin origin, IReadOnlyList<FleetEdge> edges)
    {
        Origin = origin;
        Edges = edges;
    }

    public TestOrigin Origin { get; }

    public IReadOnlyList<FleetEdge> Edges { get; }

    /// <summary>
    /// Starts the origin (with <paramref name="originSettings"/>) and <paramref name="edgesPerRegion"/> edges in
    /// each of <paramref name="regions"/> regions (with <paramref name="edgeSettings"/>), and waits until every
    /// edge is connected to the origin's feed.
    /// </summary>
    public static async Task<TestFleet> StartAsync(
        int regions = 3,
        int edgesPerRegion = 2,
        (string Key, string? Value)[]? originSettings = null,
        (string Key, string? Value)[]? edgeSettings = null)
    {
        var origin = await TestOrigin.StartAsync(null, originSettings ?? []);
        var edges = new List<FleetEdge>();
        try
        {
            for (var r = 0; r < regions; r++)
            {
                for (var e = 0; e < edgesPerRegion; e++)
                {
                    edges.Add(await StartEdgeAsync(origin, DefaultRegions[r % DefaultRegions.Length], r + 1, e + 1, edgeSettings ?? []));
                }
            }

            var fleet = new TestFleet(origin, edges);
            await fleet.WaitUntilConnectedAsync();
            return fleet;
        }
        catch
        {
            foreach (var edge in edges)
            {
                await edge.DisposeAsync();
            }

            await origin.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more edge in <paramref name="region"/> on 127.0.<paramref name="regionOctet"/>.<paramref name="edgeOctet"/>.</summary>
    public static async Task<FleetEdge> StartEdgeAsync(TestOrigin origin, string region, int regionOctet, int edgeOctet, params (string Key, string? Value)[] settings)
    {
        var address = IPAddress.Parse($"127.0.{regionOctet}.{edgeOctet}");
        var relay = TcpRelay.Start(origin.Url, address);
        var id = $"{region}-{edgeOctet}";
        var all = new Dictionary<string, string?>
        {
            ["Edge:Listen"] = $"http://{address}:0",
            ["Edge:Origin"] = relay.Url,
            ["Edge:Upstream"] = origin.Url,
            ["Edge:Region"] = region,
            ["Edge:Id"] = id,
            ["Edge:Token"] = TestOrigin.Token,
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        try
        {
            return new FleetEdge(id, region, await TestEdge.StartAsync(all), relay);
        }
        catch
        {
            await relay.DisposeAsync();
            throw;
        }
    }

    /// <summary>The origin's view of the fleet (<c>GET /_admin/fleet</c>).</summary>
    public async Task<JsonElement> FleetAsync() => await Origin.Admin.GetFromJsonAsync<JsonElement>("/_admin/fleet");

    /// <summary>Waits until the origin sees every edge connected.</summary>
    public async Task WaitUntilConnectedAsync()
    {
        var connected = await Deadline.UntilAsync(
            async () =>
            {
                var edges = (await FleetAsync()).GetProperty("edges").EnumerateArray().ToList();
                return Edges.All(e => edges.Any(f => f.GetProperty("id").GetString() == e.Id && f.GetProperty("connected").GetBoolean()));
            },
            TimeSpan.FromSeconds(20));
        Assert.True(connected, "not every edge connected to the origin's feed");
    }

    /// <summary>Waits until the origin sees <paramref name="edge"/> having applied <paramref name="seq"/>.</summary>
    public async Task<bool> WaitUntilAppliedAsync(FleetEdge edge, long seq, TimeSpan within)
        => await Deadline.UntilAsync(
            async () => (await FleetAsync()).GetProperty("edges").EnumerateArray()
                .Any(f => f.GetProperty("id").GetString() == edge.Id && f.GetProperty("applied").GetInt64() >= seq),
            within);

    public async ValueTask DisposeAsync()
    {
        foreach (var edge in Edges)
        {
            await edge.DisposeAsync();
        }

        await Origin.DisposeAsync();
    }
}
