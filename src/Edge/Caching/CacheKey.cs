using Microsoft.AspNetCore.Http;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// The primary cache key (RFC 9111 section 4): the absolute URL with a lower-cased host.
/// GET and HEAD share keys, since a HEAD is answered from the stored GET.
/// </summary>
internal static class CacheKey
{
    /// <summary>Keys up to this length are built on the stack.</summary>
    public const int StackLimit = 512;

    public static int Length(HttpRequest request)
        => request.Scheme.Length + 3 + (request.Host.Value?.Length ?? 0)
           + (request.PathBase.Value?.Length ?? 0) + (request.Path.Value?.Length ?? 0) + (request.QueryString.Value?.Length ?? 0);

    /// <summary>Writes the key of <paramref name="request"/> into <paramref name="destination"/>, which holds <see cref="Length"/> chars.</summary>
    public static int Write(HttpRequest request, Span<char> destination)
    {
        var written = 0;
        Append(request.Scheme, destination, ref written);
        Append("://", destination, ref written);
        written += request.Host.Value.AsSpan().ToLowerInvariant(destination[written..]);
        Append(request.PathBase.Value, destination, ref written);
        Append(request.Path.Value, destination, ref written);
        Append(request.QueryString.Value, destination, ref written);
        return written;
    }

    public static string Create(HttpRequest request)
    {
        var length = Length(request);
        return string.Create(length, request, static (span, r) => Write(r, span));
    }

    /// <summary>
    /// The key of a URL named in a response (<c>Location</c>, <c>Content-Location</c>), absolute or
    /// relative to the request; null when it is absent, malformed, or of another origin, whose
    /// entries a response from this one may not invalidate (RFC 9111 section 4.4).
    /// </summary>
    public static string? ForSameOrigin(HttpRequest request, string? target)
    {
        if (string.IsNullOrEmpty(target)
            || !Uri.TryCreate($"{request.Scheme}://{request.Host.Value}{request.PathBase.Value}{request.Path.Value}", UriKind.Absolute, out var requestUri)
            || !Uri.TryCreate(requestUri, target, out var uri)
            || !string.Equals(uri.Scheme, requestUri.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(uri.Authority, requestUri.Authority, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return string.Concat(request.Scheme, "://", request.Host.Value?.ToLowerInvariant(), Uri.UnescapeDataString(uri.AbsolutePath), uri.Query);
    }

    private static void Append(string? value, Span<char> destination, ref int written)
    {
        if (!string.IsNullOrEmpty(value))
        {
            value.CopyTo(destination[written..]);
            written += value.Length;
        }
    }
}
