using EdgeCache.Origin.Postgres;
using EdgeCache.Replication.Changes;

namespace EdgeCache.Origin.Hosting;

/// <summary>Settings of the origin, bound from the <c>Origin</c> configuration section.</summary>
public sealed class OriginOptions
{
    /// <summary>Configuration section the options are bound from.</summary>
    public const string SectionName = "Origin";

    /// <summary>Where edges and operators connect, e.g. <c>http://127.0.0.1:7000</c>; port 0 picks a free port.</summary>
    public string Listen { get; set; } = "http://127.0.0.1:7000";

    /// <summary>Folder holding blobs, the manifest and the change log; with <see cref="Postgres"/>, the cache of blob bodies this origin served.</summary>
    public string Data { get; set; } = string.Empty;

    /// <summary>
    /// PostgreSQL shared by several origins (<c>Origin:Postgres:ConnectionString</c>, <c>--postgres</c>): content,
    /// change log, fleet and acks live there, so any origin can take the place of another. Unset: files under <see cref="Data"/>.
    /// </summary>
    public PostgresOptions Postgres { get; set; } = new();

    /// <summary>Bearer token of the admin API; unset turns the admin API off (never open).</summary>
    public string? Token { get; set; }

    /// <summary>A directory tree imported at start; only files that changed become changes.</summary>
    public string? Content { get; set; }

    /// <summary>Largest body one publish may carry, in bytes.</summary>
    public long MaxBodyBytes { get; set; } = 256L << 20;

    /// <summary>
    /// The change log (<c>Origin:Log:Retain</c>, <c>SegmentBytes</c>, <c>CachedEntries</c>); its
    /// directory is always <c>&lt;Data&gt;/log</c>. On PostgreSQL only <c>Retain</c> applies.
    /// </summary>
    public ChangeLogOptions Log { get; set; } = new();

    /// <summary>How often the origin compacts the log, collects unreferenced blobs and drops expired batches.</summary>
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a publish batch stays open (or remembers its commit) after it was begun.</summary>
    public TimeSpan BatchExpiry { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How many publish batches may be open at once; more are refused with 429.</summary>
    public int MaxOpenBatches { get; set; } = 16;

    /// <summary>How many items and deletes one publish batch may hold.</summary>
    public int MaxBatchItems { get; set; } = 100_000;

    /// <summary>
    /// How often the feed sends each edge a heartbeat. An edge unseen (no ack, no feed connect)
    /// for three intervals counts as disconnected.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long <c>GET /_admin/status</c> waits for each edge's answer.</summary>
    public TimeSpan StatusTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Caching headers by path prefix; the longest matching prefix wins. Edges hear of every
    /// change, so they may keep content long (<c>CDN-Cache-Control</c>); browsers do not, so
    /// their <c>Cache-Control</c> is short.
    /// </summary>
    public List<CachePolicyRule> CachePolicies { get; set; } = [];

    /// <summary>CDN-Cache-Control for paths no rule names.</summary>
    public string DefaultCdnCacheControl { get; set; } = "max-age=31536000";

    /// <summary>Cache-Control for paths no rule names (and no publisher-given Cache-Control).</summary>
    public string DefaultCacheControl { get; set; } = "public, max-age=60";
}

/// <summary>Caching headers for every path under <see cref="Prefix"/>.</summary>
public sealed class CachePolicyRule
{
    public string Prefix { get; set; } = "/";

    public string? CdnCacheControl { get; set; }

    public string? CacheControl { get; set; }
}
