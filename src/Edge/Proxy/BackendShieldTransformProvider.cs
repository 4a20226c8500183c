using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace EdgeCache.Edge.Proxy;

/// <summary>
/// Makes every back-end look like the one public host: identifying headers are dropped,
/// <c>Via</c> is added both ways, and <c>Location</c> headers and cookie domains that name
/// a back-end are rewritten to the host the client used. Applies to every route.
/// </summary>
internal sealed class BackendShieldTransformProvider : ITransformProvider
{
    private readonly EdgeOptions _options;
    private readonly Lazy<IProxyStateLookup> _proxyState;
    private readonly string _via;

    public BackendShieldTransformProvider(IOptions<EdgeOptions> options, IServiceProvider services)
    {
        _options = options.Value;
        // Resolved on first use: the proxy state is built from the transforms this provider makes.
        _proxyState = new Lazy<IProxyStateLookup>(services.GetRequiredService<IProxyStateLookup>);
        _via = "1.1 " + _options.Id;
    }

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        context.AddRequestHeader(HeaderNames.Via, _via, append: true);
        context.AddResponseTransform(ShieldResponse);
    }

    private ValueTask ShieldResponse(ResponseTransformContext context)
    {
        var headers = context.HttpContext.Response.Headers;
        foreach (var name in _options.HiddenResponseHeaders)
        {
            headers.Remove(name);
        }

        headers.Via = StringValues.Concat(headers.Via, _via);

        // A cache fetch needs the CDN-only headers to decide what to store; it keeps them from clients itself.
        if (context.HttpContext.Features.Get<IHttpResponseFeature>() is not FetchFeatures)
        {
            if (!_options.ForwardTargetedCacheControl)
            {
                headers.Remove(TargetedCacheControl.CdnCacheControl);
                headers.Remove(TargetedCacheControl.SurrogateControl);
            }

            if (!_options.ForwardSurrogateKeys)
            {
                headers.Remove(SurrogateKeys.SurrogateKeyHeader);
                headers.Remove(SurrogateKeys.CacheTagHeader);
            }
        }

        var location = headers.Location;
        if (location.Count == 1 && RewriteLocation(location[0], context.HttpContext.Request) is { } rewritten)
        {
            headers.Location = rewritten;
        }

        var cookies = headers.SetCookie;
        if (cookies.Count > 0)
        {
            var changed = false;
            var values = cookies.ToArray();
            for (var i = 0; i < values.Length; i++)
            {
                if (values[i] is { } cookie && RemoveBackendDomain(cookie) is { } rewrittenCookie)
                {
                    values[i] = rewrittenCookie;
                    changed = true;
                }
            }

            if (changed)
            {
                headers.SetCookie = values;
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>An absolute <c>Location</c> on a back-end's authority, moved to the public host; null if it names no back-end.</summary>
    private string? RewriteLocation(string? location, HttpRequest request)
    {
        if (location is null || !Uri.TryCreate(location, UriKind.Absolute, out var target) || target.Scheme is not ("http" or "https"))
        {
            return null;
        }

        foreach (var address in BackendAddresses())
        {
            if (address.Scheme == target.Scheme && address.Port == target.Port
                && string.Equals(address.Host, target.Host, StringComparison.OrdinalIgnoreCase))
            {
                return $"{request.Scheme}://{request.Host}{target.PathAndQuery}{target.Fragment}";
            }
        }

        return null;
    }

    /// <summary>A cookie whose <c>Domain</c> names a back-end, made host-only for the public host; null if unchanged.</summary>
    private string? RemoveBackendDomain(string cookie)
    {
        var attributes = cookie.Split(';');
        var kept = new List<string>(attributes.Length);
        var removed = false;
        for (var i = 0; i < attributes.Length; i++)
        {
            var attribute = attributes[i].Trim();
            if (i > 0 && attribute.StartsWith("domain=", StringComparison.OrdinalIgnoreCase)
                && IsBackendHost(attribute["domain=".Length..].TrimStart('.')))
            {
                removed = true;
                continue;
            }

            kept.Add(attribute);
        }

        return removed ? string.Join("; ", kept) : null;
    }

    private bool IsBackendHost(string host)
    {
        foreach (var address in BackendAddresses())
        {
            if (string.Equals(address.Host, host, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private IEnumerable<Uri> BackendAddresses()
    {
        foreach (var cluster in _proxyState.Value.GetClusters())
        {
            foreach (var destination in cluster.Destinations.Values)
            {
                if (Uri.TryCreate(destination.Model.Config.Address, UriKind.Absolute, out var address))
                {
                    yield return address;
                }
            }
        }
    }
}
