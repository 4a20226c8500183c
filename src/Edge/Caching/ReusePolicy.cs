namespace EdgeCache.Edge.Caching;

/// <summary>
/// How a stored response may be reused, as this edge reads its headers: how long it is fresh
/// and what, once stale, it may still be used for (RFC 9111 section 4.2.4, RFC 5861).
/// </summary>
internal readonly record struct ReusePolicy(
    TimeSpan Lifetime,
    TimeSpan StaleWhileRevalidate,
    TimeSpan StaleIfError,
    bool MustRevalidate,
    bool NoCache)
{
    /// <summary>Fresh for <paramref name="lifetime"/>, with no stale use.</summary>
    public static ReusePolicy FreshFor(TimeSpan lifetime) => new(lifetime, TimeSpan.Zero, TimeSpan.Zero, false, false);

    /// <summary>True when the response may never be used stale (must-revalidate, proxy-revalidate, s-maxage, no-cache).</summary>
    public bool ForbidsStale => MustRevalidate || NoCache;
}
