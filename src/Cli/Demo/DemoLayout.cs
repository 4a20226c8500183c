using System.Globalization;

namespace EdgeCache.Cli.Demo;

/// <summary>What <c>edgecache demo</c> runs: its regions, edges per region, data folder (null: a temporary one) and config file.</summary>
internal sealed record DemoLayout(IReadOnlyList<string> Regions, int EdgesPerRegion, string? Data, string? ConfigFile)
{
    /// <summary>Every edge, in region order then edge order.</summary>
    public IEnumerable<EdgePlacement> Edges
        => Regions.SelectMany((region, r) => Enumerable.Range(1, EdgesPerRegion).Select(e => new EdgePlacement(region, r + 1, e)));
}

/// <summary>
/// Edge <paramref name="EdgeNumber"/> of region number <paramref name="RegionNumber"/> (both from 1):
/// each edge gets its own loopback address, 127.0.region.edge, as separate machines would have.
/// </summary>
internal sealed record EdgePlacement(string Region, int RegionNumber, int EdgeNumber)
{
    public string Id => IdOf(Region, EdgeNumber);

    /// <summary>The address it listens on; port 0 picks a free port.</summary>
    public string Listen => string.Create(CultureInfo.InvariantCulture, $"http://127.0.{RegionNumber}.{EdgeNumber}:0");

    public static string IdOf(string region, int edgeNumber) => string.Create(CultureInfo.InvariantCulture, $"{region}-{edgeNumber}");
}
