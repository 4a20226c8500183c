using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Caching;

/// <summary>What the upstream answered, known once its response starts, and what the edge decided about it.</summary>
internal sealed record FillHead(
    int Status,
    KeyValuePair<string, StringValues>[] ClientHeaders,
    KeyValuePair<string, StringValues>[] SharedHeaders,
    KeyValuePair<string, StringValues>[] HiddenHeaders,
    VaryKey Vary,
    string? UpstreamCacheStatus,
    DateTimeOffset ResponseTime,
    TimeSpan CorrectedInitialAge,
    ReusePolicy Policy,
    string[] Tags,
    string? NotShareableReason,
    string? NotStoredReason)
{
    /// <summary>True when requests collapsed onto this fill may be given its response.</summary>
    public bool Shareable => NotShareableReason is null;

    /// <summary>True when the edge means to store the response once it is complete.</summary>
    public bool StoreIntended => NotStoredReason is null;

    /// <summary>A revalidation the upstream answered 304: the refreshed response every reader serves (its body is the stored one).</summary>
    public StoredResponse? Revalidated { get; init; }

    /// <summary>A 304 that does not describe the stored response: the readers fetch again, unconditionally.</summary>
    public bool RevalidationFailed { get; init; }

    /// <summary>The declared body length, if the upstream sent one.</summary>
    public long? ContentLength { get; init; }
}
