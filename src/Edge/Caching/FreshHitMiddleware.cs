using EdgeCache.Edge.Admin;
using EdgeCache.Edge.Replication;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// Serves fresh hits at the front of the pipeline, before routing and YARP's proxy pipeline,
/// which a hit needs neither of: the common request, a GET or HEAD without cache directives
/// of its own, for a stored response that is fresh while the origin's feed is heard. Every
/// other request goes on, and <see cref="CachingMiddleware"/> decides it in full.
/// </summary>
internal sealed class FreshHitMiddleware(RequestDelegate next, ResponseCache cache, FeedSilence feed, TimeProvider time)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var isHead = HttpMethods.IsHead(request.Method);
        if ((isHead || HttpMethods.IsGet(request.Method))
            && !FreshnessPolicy.RequestDirectives(request.Headers).Present
            && !request.Path.StartsWithSegments(EdgeAdminEndpoints.Prefix, StringComparison.OrdinalIgnoreCase))
        {
            var now = time.GetUtcNow();
            var stored = cache.Find(request, out _);
            if (stored is not null && stored.IsFresh(now) && !feed.IsSilent(now) && stored.Body.TryHold())
            {
                cache.CountHit();
                return StoredResponseWriter.WriteFreshAsync(context, stored, now, isHead);
            }
        }

        return next(context);
    }
}
