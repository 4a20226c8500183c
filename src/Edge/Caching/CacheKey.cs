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

    private static void Append(string? value, Span<char> destination, ref int written)
    {
        if (!string.IsNullOrEmpty(value))
        {
            value.CopyTo(destination[written..]);
            written += value.Length;
        }
    }
}
