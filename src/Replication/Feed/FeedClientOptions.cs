namespace EdgeCache.Replication.Feed;

/// <summary>Where a <see cref="FeedClient"/> connects, who it says it is, and how it retries.</summary>
public sealed class FeedClientOptions
{
    /// <summary>
    /// The origins' base URLs, e.g. <c>http://origin:7000/</c>, in order of preference. A connection
    /// that fails or ends moves on to the next origin (origins that share PostgreSQL stream the same
    /// log); acks and manifest requests go to the origin of the current connection.
    /// </summary>
    public required IReadOnlyList<Uri> Origins { get; init; }

    /// <summary>Bearer token the origin's feed, ack and manifest endpoints require.</summary>
    public required string Token { get; init; }

    /// <summary>This edge's id (<see cref="FeedProtocol.IsValidName"/>).</summary>
    public required string EdgeId { get; init; }

    /// <summary>This edge's region (<see cref="FeedProtocol.IsValidName"/>).</summary>
    public required string Region { get; init; }

    /// <summary>This edge's public URL, sent as <c>X-Edge-Endpoint</c> so the origin can ask it about its cache; optional.</summary>
    public string? Endpoint { get; init; }

    /// <summary>Ceiling of the first reconnect delay; each failure in a row doubles it up to <see cref="MaxReconnectDelay"/>. Moving to another origin does not wait.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Largest reconnect delay, and the delay after the origin refused the token (401/403).</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A connection that delivers nothing (not even a heartbeat) for this long is dropped and
    /// made again: a half-open TCP connection would otherwise wait forever.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Time limit of one ack or manifest request.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
