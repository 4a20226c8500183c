using System.Globalization;
using EdgeCache.Replication.Fleet;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EdgeCache.Cli.Rendering;

/// <summary>One path on every edge: stored or not, its ETag against the origin's, age and staleness.</summary>
internal static class PathStatusTable
{
    public static IRenderable Render(PathStatusReport status)
    {
        var header = new Text($"{status.Path}  origin etag {status.OriginETag ?? "(not published)"}  head {status.Head}");
        var table = new Table { Border = TableBorder.Simple };
        table.AddColumns("region", "edge", "stored", "etag", "age", "stale", "error");
        foreach (var edge in status.Edges.OrderBy(e => e.Region, StringComparer.Ordinal).ThenBy(e => e.Id, StringComparer.Ordinal))
        {
            // An edge holding another version than the origin's is what an operator is looking for.
            var outdated = edge.Stored && status.OriginETag is not null && edge.ETag != status.OriginETag;
            table.AddRow(
                new Text(edge.Region),
                new Text(edge.Id),
                new Text(edge.Error is not null ? "?" : edge.Stored ? "yes" : "no"),
                new Text(edge.ETag ?? "-", outdated ? new Style(Color.Yellow) : Style.Plain),
                new Text(edge.AgeSeconds is { } age ? age.ToString(CultureInfo.InvariantCulture) + "s" : "-"),
                new Text(edge.Stale is { } stale ? (stale ? "yes" : "no") : "-"),
                new Text(edge.Error ?? string.Empty, new Style(Color.Red)));
        }

        return status.Edges.Count == 0
            ? new Rows(header, new Text("no edge is connected"))
            : new Rows(header, table);
    }
}
