using System.Globalization;
using EdgeCache.Origin.Admin;
using EdgeCache.Origin.Content;
using EdgeCache.Origin.Hosting;
using EdgeCache.Replication.Changes;
using EdgeCache.Replication.Feed;
using EdgeCache.Replication.Fleet;
using EdgeCache.Replication.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Origin.Replication;

/// <summary>
/// What edges call (<see cref="FeedProtocol"/>): the change feed, acks and the manifest, all
/// behind the bearer token like the admin API; and the health check, open to all.
/// </summary>
internal static partial class ReplicationEndpoints
{
    /// <summary>An ack is a few hundred bytes; anything far larger is not one.</summary>
    private const long MaxAckBytes = 64 * 1024;

    private const string NameRule = "1 to 64 characters of A-Z a-z 0-9 . _ - are required";

    public static IEndpointRouteBuilder MapReplication(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<OriginOptions>>().Value;
        var replication = endpoints.MapGroup(string.Empty).AddEndpointFilter(new TokenFilter(new BearerToken(options.Token), "replication API"));
        replication.MapGet(FeedProtocol.FeedPath, FeedAsync);
        replication.MapPost(FeedProtocol.AckPath, AckAsync);
        replication.MapGet(FeedProtocol.ManifestPath, Manifest);
        endpoints.MapGet(FeedProtocol.HealthPath, static () => Results.Text("healthy\n", "text/plain"));
        return endpoints;
    }

    private static async Task<IResult> FeedAsync(
        HttpContext context, PublishedHead published, FeedWriter writer, FleetRegistry fleet, IHostApplicationLifetime lifetime, ILogger<FeedWriter> logger)
    {
        var headers = context.Request.Headers;
        if (!TryName(headers, FeedProtocol.EdgeIdHeader, out var id, out var error)
            || !TryName(headers, FeedProtocol.EdgeRegionHeader, out var region, out error)
            || !TryEndpoint(headers[FeedProtocol.EdgeEndpointHeader], out var endpoint, out error)
            || !TryLastEventId(headers[FeedProtocol.LastEventIdHeader], out var lastEventId, out error))
        {
            return AdminEndpoints.BadRequest(context, error);
        }

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // Proxies in between must pass events on as they come.
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        // Never above where the writer starts (it resets an edge without a position to the head it then
        // reads), so the fleet never counts a change the edge was not sent.
        var start = lastEventId ?? published.Seq;

        // A feed never ends by itself: shutting down must end it rather than wait out the host's timeout.
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        using (fleet.Connect(id, region, endpoint, start))
        {
            LogConnected(logger, id, region, start, lastEventId is null);
            try
            {
                await writer.WriteAsync(response.Body, lastEventId, ended.Token);
            }
            catch (OperationCanceledException) when (ended.IsCancellationRequested)
            {
                // The edge went away or the origin is stopping.
            }
            catch (IOException gone)
            {
                LogWriteFailed(logger, id, gone.Message);
            }
        }

        LogDisconnected(logger, id, region);
        return Results.Empty;
    }

    private static async Task<IResult> AckAsync(HttpContext context, FleetRegistry fleet)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxAckBytes;
        }

        var (ack, invalid) = await AdminEndpoints.ReadJsonAsync(context, ReplicationJsonContext.Default.AckReport);
        if (ack is null)
        {
            return invalid!;
        }

        var error = !FeedProtocol.IsValidName(ack.Id) ? $"id: {NameRule}"
            : !FeedProtocol.IsValidName(ack.Region) ? $"region: {NameRule}"
            : ack.Endpoint is not null && !IsEndpoint(ack.Endpoint) ? $"endpoint '{ack.Endpoint}' is not an absolute http:// or https:// URL"
            : ack.Applied < 0 ? "applied must not be negative"
            : ack.Stats is { } s && (s.Hits < 0 || s.Misses < 0 || s.Entries < 0 || s.Bytes < 0) ? "stats must not be negative"
            : null;
        if (error is not null)
        {
            return AdminEndpoints.BadRequest(context, error);
        }

        fleet.Ack(ack);
        return Results.NoContent();
    }

    private static IResult Manifest(IContentStore store)
    {
        // Seq first: the items are then at least that new, so an edge resuming the feed from it misses nothing.
        var seq = store.AppliedSeq;
        var items = store.Items().Select(i => new ManifestEntry(i.Path, FileContentStore.ETagFor(i.Hash), i.Size, i.ContentType)).ToList();
        return Results.Json(new ManifestReport(seq, items), ReplicationJsonContext.Default.ManifestReport);
    }

    private static bool TryName(IHeaderDictionary headers, string header, out string name, out string error)
    {
        var values = headers[header];
        name = values.Count == 1 ? values[0] ?? string.Empty : string.Empty;
        error = FeedProtocol.IsValidName(name) ? string.Empty : $"{header}: {NameRule}, once";
        return error.Length == 0;
    }

    private static bool TryEndpoint(StringValues values, out string? endpoint, out string error)
    {
        endpoint = null;
        error = string.Empty;
        if (values.Count == 0)
        {
            return true;
        }

        if (values.Count > 1 || !IsEndpoint(values[0]))
        {
            error = $"{FeedProtocol.EdgeEndpointHeader} '{values}' is not one absolute http:// or https:// URL";
            return false;
        }

        endpoint = values[0];
        return true;
    }

    private static bool TryLastEventId(StringValues values, out long? lastEventId, out string error)
    {
        lastEventId = null;
        error = string.Empty;
        if (values.Count == 0)
        {
            return true;
        }

        if (values.Count > 1 || !long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            error = $"{FeedProtocol.LastEventIdHeader} '{values}' is not one non-negative integer";
            return false;
        }

        lastEventId = seq;
        return true;
    }

    /// <summary>Where the origin will send the edge requests (with the token): an absolute http(s) URL without query or fragment.</summary>
    private static bool IsEndpoint(string? value)
        => value is { Length: <= 2048 }
            && Uri.TryCreate(value, UriKind.Absolute, out var uri)
            && uri.Scheme is "http" or "https"
            && uri.Query.Length == 0
            && uri.Fragment.Length == 0
            && !value.Any(char.IsControl);

    [LoggerMessage(Level = LogLevel.Information, Message = "Edge {Id} ({Region}) opened the feed at seq {Seq} (from the head: {FromHead})")]
    private static partial void LogConnected(ILogger logger, string id, string region, long seq, bool fromHead);

    [LoggerMessage(Level = LogLevel.Information, Message = "Edge {Id} ({Region}) closed the feed")]
    private static partial void LogDisconnected(ILogger logger, string id, string region);

    [LoggerMessage(Level = LogLevel.Information, Message = "Feed of edge {Id} failed while writing: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, string id, string reason);
}
