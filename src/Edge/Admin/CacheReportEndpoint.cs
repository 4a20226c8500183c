using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Compression;
using EdgeCache.Replication.Feed;
using EdgeCache.Replication.Fleet;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Admin;

/// <summary>
/// <c>GET /_edge/cache?path=/x</c>: every stored variant of every URL whose path is <c>/x</c>
/// (any host, any query), as an <see cref="EdgeCacheReport"/>. The origin's path status asks every edge this.
/// </summary>
internal static partial class CacheReportEndpoint
{
    public const string Path = EdgeAdminEndpoints.Prefix + "/cache";

    /// <summary>Longest path accepted, as the origin's admin API.</summary>
    public const int MaxPathLength = 2048;

    public static IResult Handle(HttpContext context, ResponseCache cache, TimeProvider time, ILogger logger)
    {
        var values = context.Request.Query["path"];
        var path = values.Count == 1 ? values[0] : null;
        if (path is null || !path.StartsWith('/') || path.Length > MaxPathLength || path.AsSpan().ContainsAnyInRange('\0', '\x1f'))
        {
            var error = $"give one path: ?path=/x, starting with '/', at most {MaxPathLength} characters, no control characters";
            LogBadRequest(logger, AdminAccess.Remote(context), error);
            return Results.Json(new ErrorReport(error), EdgeJsonContext.Default.ErrorReport, statusCode: StatusCodes.Status400BadRequest);
        }

        var now = time.GetUtcNow();
        var entries = new List<CachedVariant>();
        foreach (var stored in cache.VariantsOf(path))
        {
            var age = stored.CurrentAge(now);
            var encoding = stored.Headers[HeaderNames.ContentEncoding] is { Count: > 0 } coding ? coding.ToString() : null;
            entries.Add(new CachedVariant(
                stored.Key,
                stored.ETag,
                (long)age.TotalSeconds,
                CacheStatusHeader.Ttl(stored, now),
                !stored.IsFresh(now),
                stored.Body.Length,
                encoding,
                VariantETag.OfRepresentation(stored.ETag, encoding)));
        }

        return Results.Json(new EdgeCacheReport(path, entries), ReplicationJsonContext.Default.EdgeCacheReport);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected cache report request from {Remote}: {Error}")]
    private static partial void LogBadRequest(ILogger logger, string remote, string error);
}
