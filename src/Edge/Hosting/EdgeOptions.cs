using EdgeCache.Edge.Compression;
using EdgeCache.Edge.Protection;
using EdgeCache.Edge.Tls;

namespace EdgeCache.Edge.Hosting;

/// <summary>Settings of one edge node, bound from the <c>Edge</c> configuration section.</summary>
public sealed class EdgeOptions
{
    /// <summary>Configuration section the options are bound from.</summary>
    public const string SectionName = "Edge";

    /// <summary>
    /// Where clients connect, e.g. <c>http://127.0.1.1:8080</c>, or several addresses separated by commas
    /// (<c>http://0.0.0.0:80,https://0.0.0.0:443</c>); port 0 picks a free port. <c>https://</c> needs <see cref="Tls"/> certificates.
    /// </summary>
    public string Listen { get; set; } = "http://127.0.0.1:8080";

    /// <summary>TLS termination for the <c>https://</c> listen addresses.</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>Default upstream for every path no configured route claims. Optional when routes are configured.</summary>
    public string? Upstream { get; set; }

    /// <summary>Name of this edge, used in <c>Via</c> and <c>Cache-Status</c>.</summary>
    public string Id { get; set; } = "EdgeCache";

    /// <summary>Bearer token for the edge admin endpoints; unset leaves <c>/_edge/stats</c> open on this edge only.</summary>
    public string? Token { get; set; }

    /// <summary>Byte budget of the cache, counting bodies, headers and per-entry bookkeeping.</summary>
    public ByteSize CacheSize { get; set; } = new(256L << 20);

    /// <summary>Responses larger than this are streamed through without being stored.</summary>
    public ByteSize MaxObjectSize { get; set; } = new(32L << 20);

    /// <summary>How long the edge waits on a silent upstream (connect, headers or body) before answering 504.</summary>
    public TimeSpan UpstreamTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs request code on the socket's I/O thread instead of queueing it to the thread pool
    /// (Kestrel's <c>UnsafePreferInlineScheduling</c>): one thread hop less per request. Safe
    /// because nothing in the edge blocks a thread; turn it off when custom code in the pipeline does.
    /// </summary>
    public bool InlineScheduling { get; set; } = true;

    /// <summary>
    /// How much of a response Kestrel buffers per connection before a write waits for the
    /// client: a hit up to this size is handed over whole and its request ends at once.
    /// </summary>
    public ByteSize ResponseBufferSize { get; set; } = new(256L << 10);

    /// <summary>
    /// Sends stored bodies of at least <see cref="ZeroCopyMinimum"/> bytes with <c>sendfile</c> from
    /// a memory file, on plain HTTP/1.x connections: the kernel takes the pages as they are, so
    /// neither Kestrel's buffers nor the socket copy the bytes. Linux only; elsewhere it is ignored.
    /// </summary>
    public bool ZeroCopy { get; set; } = true;

    /// <summary>Smallest body kept in the memory file for <see cref="ZeroCopy"/>; smaller ones cost less to copy than to map.</summary>
    public ByteSize ZeroCopyMinimum { get; set; } = new(32L << 10);

    /// <summary>What one client request may cost: header, URL and body sizes, header and body timeouts.</summary>
    public RequestLimits Limits { get; set; } = new();

    /// <summary>
    /// Client networks (CIDRs) allowed to use the admin endpoints and <c>PURGE</c>, in addition to the
    /// token; empty allows every address. <c>/_edge/health</c> stays open.
    /// </summary>
    public string[] AdminNetworks { get; set; } = [];

    /// <summary>
    /// Methods the default route (to <see cref="Upstream"/>) forwards, e.g. <c>["GET", "HEAD"]</c>; others get
    /// 405. Empty allows every method. Configured routes list theirs in <c>Metadata.AllowedMethods</c>.
    /// </summary>
    public string[] AllowedMethods { get; set; } = [];

    /// <summary>Compression of responses the upstream sent uncompressed: <c>br</c> or <c>gzip</c>, per the client's <c>Accept-Encoding</c>.</summary>
    public CompressionOptions Compression { get; set; } = new();

    /// <summary>Per-client rate limits, first matching rule wins; none by default.</summary>
    public RateLimitRule[] RateLimits { get; set; } = [];

    /// <summary>Upstream response headers that would reveal the back-end and never reach a client.</summary>
    public string[] HiddenResponseHeaders { get; set; } = ["Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version"];

    /// <summary>
    /// How far a non-stored response may run ahead of its slowest client before the upstream
    /// read pauses; stored responses are always read at the upstream's speed.
    /// </summary>
    public ByteSize PassThroughWindow { get; set; } = new(1L << 20);

    /// <summary>
    /// How long a URL whose response could not be shared (private, Set-Cookie, stale on arrival)
    /// is fetched without request collapsing. A cacheable response ends it early.
    /// </summary>
    public TimeSpan UncollapsibleDuration { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Fraction of the time since <c>Last-Modified</c> used as heuristic freshness (RFC 9111 section 4.2.2).</summary>
    public double HeuristicFraction { get; set; } = 0.1;

    /// <summary>Upper bound for heuristic freshness.</summary>
    public TimeSpan MaxHeuristicFreshness { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// How long after expiry a stored response is still served while one background request
    /// revalidates it, for responses that name no <c>stale-while-revalidate</c> themselves. Zero
    /// (the default) keeps to RFC 9111: no stale content unless the origin or client allows it.
    /// Never applies to responses with must-revalidate, proxy-revalidate, no-cache or s-maxage.
    /// </summary>
    public TimeSpan Grace { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// How long after expiry a stored response is served instead of an upstream error (5xx or
    /// no connection), for responses that name no <c>stale-if-error</c> themselves. Same exceptions as <see cref="Grace"/>.
    /// </summary>
    public TimeSpan ErrorGrace { get; set; } = TimeSpan.Zero;

    /// <summary>Store responses that set cookies; the stored copy then leaves out <c>Set-Cookie</c>, so no client gets another's cookie.</summary>
    public bool StoreSetCookie { get; set; }

    /// <summary>Pass <c>CDN-Cache-Control</c> and <c>Surrogate-Control</c> on to clients (for a CDN behind this edge).</summary>
    public bool ForwardTargetedCacheControl { get; set; }

    /// <summary>Pass <c>Surrogate-Key</c> and <c>Cache-Tag</c> on to clients.</summary>
    public bool ForwardSurrogateKeys { get; set; }

    /// <summary>
    /// The origin whose change feed this edge follows (DESIGN.md, publish path), or several origins
    /// sharing PostgreSQL, comma-separated, in order of preference: the edge fails over between them.
    /// Unset for a plain caching reverse proxy. Also the default upstream when <see cref="Upstream"/> is unset.
    /// </summary>
    public string? Origin { get; set; }

    /// <summary>The URLs <see cref="Origin"/> lists; empty when unset. Validated at start.</summary>
    public IReadOnlyList<Uri> OriginUrls()
        => Origin is null
            ? []
            : [.. Origin.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(url => new Uri(url, UriKind.Absolute))];

    /// <summary>The region this edge serves, reported to the origin (1 to 64 of <c>A-Z a-z 0-9 . _ -</c>).</summary>
    public string Region { get; set; } = "default";

    /// <summary>The URL the origin reaches this edge on (for <c>/_edge/cache</c>); defaults to the first address the edge listens on.</summary>
    public string? PublicEndpoint { get; set; }

    /// <summary>
    /// After this long without a feed event or heartbeat, every hit is revalidated with the
    /// upstream before it is served (<c>Cache-Status: …; detail=feed-silent</c>) until the feed is back.
    /// </summary>
    public TimeSpan MaxFeedSilence { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Ceiling of the first feed reconnect delay (full jitter), doubled per failure in a row.</summary>
    public TimeSpan FeedReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Largest feed reconnect delay; also the delay after the origin refused the token.</summary>
    public TimeSpan FeedMaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Path prefixes this edge replicates: a <c>put</c> under one is fetched into the cache at
    /// once, and after the feed first connects the origin's manifest is fetched for them.
    /// </summary>
    public string[] Replicate { get; set; } = [];

    /// <summary>The effective largest object the cache stores: never more than the whole budget.</summary>
    internal long EffectiveMaxObjectBytes => Math.Min(MaxObjectSize.Bytes, CacheSize.Bytes);
}
