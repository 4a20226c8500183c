using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeCache.Origin.Hosting;
using EdgeCache.Replication.Feed;
using EdgeCache.Replication.Fleet;
using EdgeCache.Replication.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.Origin.Replication;

/// <summary>
/// Asks an edge what it caches of a path (<c>GET {endpoint}/_edge/cache?path=/x</c>, with the
/// origin's token), within <see cref="OriginOptions.StatusTimeout"/>. Never throws for the edge's
/// sake: an edge that cannot be asked gets an error text.
/// </summary>
internal sealed partial class EdgeStatusClient(HttpClient client, IOptions<OriginOptions> options, TimeProvider time, ILogger<EdgeStatusClient> logger)
{
    private const string CachePath = "/_edge/cache";

    public async Task<EdgePathStatus> AskAsync(EdgeReport edge, string path, CancellationToken cancellationToken)
    {
        if (edge.Endpoint is null)
        {
            return Failed(edge, "the edge announced no endpoint");
        }

        var limit = options.Value.StatusTimeout;
        using var timeout = new CancellationTokenSource(limit, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{edge.Endpoint.TrimEnd('/')}{CachePath}?path={Uri.EscapeDataString(path)}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Value.Token);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            if (!response.IsSuccessStatusCode)
            {
                return Failed(edge, $"the edge answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            var report = await response.Content.ReadFromJsonAsync(ReplicationJsonContext.Default.EdgeCacheReport, linked.Token);
            if (report?.Entries is not { } entries)
            {
                return Failed(edge, "the edge's answer is not a cache report");
            }

            return entries.Count == 0
                ? new EdgePathStatus(edge.Id, edge.Region, edge.Endpoint, false, null, null, null, null, null)
                // The content's tag, not a compressed variant's: it is what the origin's own tag is compared with.
                : new EdgePathStatus(edge.Id, edge.Region, edge.Endpoint, true, entries[0].UpstreamETag ?? entries[0].ETag, entries[0].AgeSeconds, entries[0].TtlSeconds, entries[0].Stale, null);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Failed(edge, $"no answer within {limit.TotalMilliseconds:0} ms");
        }
        catch (Exception unreachable) when (NetworkFailure.Is(unreachable))
        {
            return Failed(edge, unreachable.Message);
        }
        catch (JsonException invalid)
        {
            return Failed(edge, $"the edge's answer is not valid JSON: {invalid.Message}");
        }
    }

    private EdgePathStatus Failed(EdgeReport edge, string error)
    {
        LogNotAsked(logger, edge.Id, edge.Endpoint, error);
        return new EdgePathStatus(edge.Id, edge.Region, edge.Endpoint, false, null, null, null, null, error);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not ask edge {Id} at {Endpoint} for its cache status: {Error}")]
    private static partial void LogNotAsked(ILogger logger, string id, string? endpoint, string error);
}
