namespace EdgeCache.Replication.Feed;

/// <summary>
/// The wire contract of the push feed between an origin and its edges (DESIGN.md, publish path).
/// Every request carries <c>Authorization: Bearer &lt;token&gt;</c>.
/// </summary>
/// <remarks>
/// <para><c>GET /_replication/feed</c> with <see cref="EdgeIdHeader"/>, <see cref="EdgeRegionHeader"/>,
/// optionally <see cref="EdgeEndpointHeader"/> and <c>Last-Event-ID: &lt;last applied seq&gt;</c> answers
/// <c>text/event-stream</c>:</para>
/// <list type="bullet">
/// <item><c>event: change</c>, <c>id: &lt;seq&gt;</c>, data a <see cref="Changes.ChangeEntry"/>, strictly in seq order from Last-Event-ID + 1.</item>
/// <item><c>event: heartbeat</c>, data <see cref="FeedHeartbeat"/>, first right after connecting and then every heartbeat interval.</item>
/// <item><c>event: reset</c>, data <see cref="FeedReset"/>, id the head, when there is no Last-Event-ID or it is below the log's low-water mark - 1
/// (or above the head): the edge drops
/// everything it cached from this origin, takes <see cref="FeedReset.Head"/> as applied, and the stream goes on after it.</item>
/// </list>
/// <para>Without Last-Event-ID the edge has nothing it can trust yet: the stream starts with a <c>reset</c> to the head
/// (no history is replayed), which gives the edge its exact starting position.</para>
/// <para><c>POST /_replication/ack</c> with an <see cref="Fleet.AckReport"/> body answers 204. <c>GET /_replication/manifest</c>
/// answers a <see cref="ManifestReport"/> (replicate mode warms from it).</para>
/// </remarks>
public static class FeedProtocol
{
    public const string FeedPath = "/_replication/feed";
    public const string AckPath = "/_replication/ack";
    public const string ManifestPath = "/_replication/manifest";

    /// <summary>Answers 200 while the origin serves (no token: load balancers and edges' health checks ask it).</summary>
    public const string HealthPath = "/_replication/health";

    public const string EdgeIdHeader = "X-Edge-Id";
    public const string EdgeRegionHeader = "X-Edge-Region";
    public const string EdgeEndpointHeader = "X-Edge-Endpoint";
    public const string LastEventIdHeader = "Last-Event-ID";

    public const string ChangeEvent = "change";
    public const string HeartbeatEvent = "heartbeat";
    public const string ResetEvent = "reset";

    /// <summary>An edge id or region name: 1 to 64 of <c>A-Z a-z 0-9 . _ -</c>.</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Data of a <c>heartbeat</c> event: the origin's head seq.</summary>
public sealed record FeedHeartbeat(long Head);

/// <summary>Data of a <c>reset</c> event: the asked-for seq is gone; go on from <see cref="Head"/>.</summary>
public sealed record FeedReset(long Head, long LowWaterMark);

/// <summary>One published path in a <see cref="ManifestReport"/>.</summary>
public sealed record ManifestEntry(string Path, string ETag, long Size, string ContentType);

/// <summary>Everything the origin serves, as of change <see cref="Seq"/>.</summary>
public sealed record ManifestReport(long Seq, IReadOnlyList<ManifestEntry> Items);
