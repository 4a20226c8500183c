using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Caching;

/// <summary>What the upstream answered, known once its response starts, and what the edge decided about it.</summary>
internal sealed record FillHead(
    int Status,
    KeyValuePair<string, StringValues>[] Headers,
    VaryKey Vary,
    string? UpstreamCacheStatus,
    DateTimeOffset ResponseTime,
    TimeSpan CorrectedInitialAge,
    TimeSpan FreshnessLifetime,
    string? NotShareableReason,
    string? NotStoredReason)
{
    /// <summary>True when requests collapsed onto this fill may be given its response.</summary>
    public bool Shareable => NotShareableReason is null;

    /// <summary>True when the edge means to store the response once it is complete.</summary>
    public bool StoreIntended => NotStoredReason is null;
}
