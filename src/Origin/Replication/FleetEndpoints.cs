using EdgeCache.Origin.Admin;
using EdgeCache.Origin.Content;
using EdgeCache.Replication.Changes;
using EdgeCache.Replication.Feed;
using EdgeCache.Replication.Fleet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EdgeCache.Origin.Replication;

/// <summary>
/// The fleet as operators see it, under the admin API: <c>GET /_admin/fleet</c> lists every edge
/// with its lag; <c>GET /_admin/status?path=/x</c> asks every connected edge what it holds of a path.
/// </summary>
internal static class FleetEndpoints
{
    public static RouteGroupBuilder MapFleet(this RouteGroupBuilder admin)
    {
        admin.MapGet("/fleet", static (IChangeLog log, FleetRegistry fleet)
            => Results.Json(fleet.Report(log.Head), ReplicationJsonContext.Default.FleetReport));
        admin.MapGet("/status", StatusAsync);
        return admin;
    }

    private static async Task<IResult> StatusAsync(HttpContext context, IContentStore store, IChangeLog log, FleetRegistry fleet, EdgeStatusClient edges)
    {
        var given = context.Request.Query["path"];
        if (given.Count != 1)
        {
            return AdminEndpoints.BadRequest(context, "give one path, e.g. ?path=/index.html");
        }

        if (!ContentPath.TryNormalize(given[0] ?? string.Empty, out var path, out var error))
        {
            return AdminEndpoints.BadRequest(context, $"path: {error}");
        }

        var originETag = store.Get(path) is { } item ? FileContentStore.ETagFor(item.Hash) : null;
        var head = log.Head;
        var asked = fleet.Report(head).Edges
            .Where(e => e.Connected)
            .Select(e => edges.AskAsync(e, path, context.RequestAborted));
        var answers = await Task.WhenAll(asked);
        return Results.Json(new PathStatusReport(path, originETag, head, answers), ReplicationJsonContext.Default.PathStatusReport);
    }
}
