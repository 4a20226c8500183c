namespace EdgeCache.Edge.Hosting;

/// <summary>
/// What one client request may cost the edge (<c>Edge:Limits</c>), enforced by Kestrel before the
/// request reaches the cache or a back-end: too large is refused with 431, 414 or 413, too slow
/// (a slowloris client trickling its headers or body) is cut off while the rest are served.
/// </summary>
public sealed class RequestLimits
{
    /// <summary>All request headers together; more is answered 431.</summary>
    public ByteSize MaxHeadersSize { get; set; } = new(32L << 10);

    /// <summary>The request line (method, target, version); a longer URL is answered 414.</summary>
    public ByteSize MaxRequestLineSize { get; set; } = new(8L << 10);

    /// <summary>A request body; more is answered 413.</summary>
    public ByteSize MaxBodySize { get; set; } = new(30L << 20);

    /// <summary>Time to receive a request's headers, from its first byte; a client slower than that loses its connection.</summary>
    public TimeSpan HeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Slowest request body accepted, in bytes per second (after a 5 s grace); 0 turns the check off.</summary>
    public double MinBodyBytesPerSecond { get; set; } = 240;

    /// <summary>How long an idle keep-alive connection stays open.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(130);

    /// <summary>What is wrong with these limits; empty when nothing is.</summary>
    public IEnumerable<string> Problems()
    {
        if (MaxHeadersSize.Bytes <= 0 || MaxRequestLineSize.Bytes <= 0 || MaxBodySize.Bytes <= 0)
        {
            yield return "Limits:MaxHeadersSize, MaxRequestLineSize and MaxBodySize must be above zero";
        }

        if (MaxRequestLineSize.Bytes > int.MaxValue || MaxHeadersSize.Bytes > int.MaxValue)
        {
            yield return "Limits:MaxHeadersSize and MaxRequestLineSize must be below 2 GiB";
        }

        if (HeadersTimeout <= TimeSpan.Zero || KeepAliveTimeout <= TimeSpan.Zero)
        {
            yield return "Limits:HeadersTimeout and KeepAliveTimeout must be above zero";
        }

        if (MinBodyBytesPerSecond < 0)
        {
            yield return "Limits:MinBodyBytesPerSecond must be 0 (off) or above";
        }
    }
}
