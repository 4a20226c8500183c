using System.Text.Json.Serialization;

namespace EdgeCache.Replication.Changes;

/// <summary>
/// One change in the origin's log, as the feed carries it to the edges (DESIGN.md, publish
/// path): <c>{"seq":42,"at":"…","op":"put","path":"/img/a.png","etag":"\"…\"","size":1234,"contentType":"image/png","tags":["brand"],"soft":false}</c>.
/// </summary>
public sealed record ChangeEntry
{
    /// <summary>Position in the log: gapless and strictly increasing, assigned by the log on append (0 before).</summary>
    [JsonPropertyName("seq")]
    public long Seq { get; init; }

    /// <summary>When the log accepted the change (UTC), assigned on append.</summary>
    [JsonPropertyName("at")]
    public DateTimeOffset At { get; init; }

    /// <summary>One of <see cref="ChangeOps"/>.</summary>
    [JsonPropertyName("op")]
    public required string Op { get; init; }

    /// <summary>The content path (put, delete, purge-path) or path prefix (purge-prefix).</summary>
    [JsonPropertyName("path")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Path { get; init; }

    /// <summary>Strong ETag of the new content (put).</summary>
    [JsonPropertyName("etag")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ETag { get; init; }

    [JsonPropertyName("size")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Size { get; init; }

    [JsonPropertyName("contentType")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ContentType { get; init; }

    /// <summary>Tags of the content (put), or the tag to purge (purge-tag, one element).</summary>
    [JsonPropertyName("tags")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>The publisher's own <c>Cache-Control</c> for this content (put), if it gave one.</summary>
    [JsonPropertyName("cacheControl")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CacheControl { get; init; }

    /// <summary>Purges only: mark stale instead of removing.</summary>
    [JsonPropertyName("soft")]
    public bool Soft { get; init; }
}

/// <summary>The operations a change can carry.</summary>
public static class ChangeOps
{
    public const string Put = "put";
    public const string Delete = "delete";
    public const string PurgePath = "purge-path";
    public const string PurgePrefix = "purge-prefix";
    public const string PurgeTag = "purge-tag";
    public const string PurgeAll = "purge-all";

    public static bool IsKnown(string op) => op is Put or Delete or PurgePath or PurgePrefix or PurgeTag or PurgeAll;
}
