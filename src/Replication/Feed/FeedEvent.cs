using EdgeCache.Replication.Changes;

namespace EdgeCache.Replication.Feed;

/// <summary>What a <see cref="FeedClient"/> hands its consumer, in the order the consumer must apply it.</summary>
public abstract record FeedEvent
{
    private FeedEvent()
    {
    }

    /// <summary>
    /// The origin accepted the feed request. <see cref="After"/> is the Last-Event-ID sent: null
    /// when nothing was applied yet, so the stream starts at the origin's head and anything the
    /// consumer holds from before may predate changes it will never hear of.
    /// </summary>
    public sealed record Connected(long? After) : FeedEvent;

    /// <summary>The next change, exactly one seq after the previous one.</summary>
    public sealed record Change(ChangeEntry Entry) : FeedEvent;

    /// <summary>The origin is alive; <see cref="Head"/> is its latest seq.</summary>
    public sealed record Heartbeat(long Head) : FeedEvent;

    /// <summary>The log no longer holds what the consumer missed: drop everything from this origin and go on from <see cref="Head"/>.</summary>
    public sealed record Reset(long Head, long LowWaterMark) : FeedEvent;
}
