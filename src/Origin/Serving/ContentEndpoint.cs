using EdgeCache.Origin.Content;
using EdgeCache.Origin.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Origin.Serving;

/// <summary>
/// Serves every published path: strong <c>ETag</c> from the content hash, <c>Last-Modified</c>,
/// conditional and range requests (ASP.NET Core's file result evaluates them), tags as
/// <c>Surrogate-Key</c>, and the caching headers of the path's policy.
/// </summary>
internal static class ContentEndpoint
{
    public static IEndpointRouteBuilder MapContent(this IEndpointRouteBuilder endpoints)
    {
        var policies = new CachePolicies(endpoints.ServiceProvider.GetRequiredService<IOptions<OriginOptions>>().Value);
        endpoints.MapMethods("/{**path}", [HttpMethods.Get, HttpMethods.Head], (HttpContext context, IContentStore store) =>
        {
            var path = context.Request.Path.Value ?? "/";
            if (store.Get(path) is not { } item || store.OpenBlob(item.Hash) is not { } blob)
            {
                return Results.NotFound();
            }

            var headers = context.Response.Headers;
            var (cdn, browser) = policies.For(item);
            headers[CachePolicies.CdnCacheControlHeader] = cdn;
            headers.CacheControl = browser;
            if (item.Tags.Count > 0)
            {
                headers["Surrogate-Key"] = string.Join(' ', item.Tags);
            }

            return Results.Stream(blob, item.ContentType, lastModified: item.LastModified,
                entityTag: new EntityTagHeaderValue(FileContentStore.ETagFor(item.Hash)), enableRangeProcessing: true);
        }).WithOrder(int.MaxValue);
        return endpoints;
    }
}
