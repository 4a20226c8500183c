using System.Globalization;
using EdgeCache.Replication.Fleet;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EdgeCache.Cli.Rendering;

/// <summary>The fleet as operators read it: one table per region (edge, endpoint, applied, lag, connected, hit ratio, objects, bytes).</summary>
internal static class FleetTable
{
    public static IRenderable Render(FleetReport fleet, Uri origin)
    {
        var connected = fleet.Edges.Count(e => e.Connected);
        var rows = new List<IRenderable>
        {
            new Text($"origin {origin}  head {fleet.Head}  {fleet.Edges.Count} edges, {connected} connected"),
        };
        foreach (var region in fleet.Edges.GroupBy(e => e.Region, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            rows.Add(new Text($"region {region.Key}: {region.Count(e => e.Connected)} of {region.Count()} edges connected"));
            var table = new Table { Border = TableBorder.Simple };
            table.AddColumns("edge", "endpoint", "applied", "lag", "connected", "hit ratio", "objects", "bytes");
            foreach (var column in table.Columns.Skip(2))
            {
                column.RightAligned();
            }

            foreach (var edge in region.OrderBy(e => e.Id, StringComparer.Ordinal))
            {
                table.AddRow(
                    new Text(edge.Id),
                    new Text(edge.Endpoint ?? "-"),
                    new Text(Number(edge.Applied)),
                    new Text(Number(edge.Lag), edge.Lag > 0 ? new Style(Color.Yellow) : Style.Plain),
                    new Text(edge.Connected ? "yes" : "no", edge.Connected ? Style.Plain : new Style(Color.Red)),
                    new Text(HitRatio(edge.Hits, edge.Misses)),
                    new Text(Number(edge.Entries)),
                    new Text(Sizes.Format(edge.Bytes)));
            }

            rows.Add(table);
        }

        if (fleet.Edges.Count == 0)
        {
            rows.Add(new Text("no edge has connected to this origin yet"));
        }

        return new Rows(rows);
    }

    /// <summary>Hits over lookups, <c>-</c> before the first lookup.</summary>
    public static string HitRatio(long hits, long misses)
        => hits + misses == 0 ? "-" : ((double)hits / (hits + misses)).ToString("0.0%", CultureInfo.InvariantCulture);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
