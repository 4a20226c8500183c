using EdgeCache.Edge.Caching;
using EdgeCache.Replication.Changes;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Edge.Replication;

/// <summary>Applies the origin's changes to the cache through its purge API, one at a time, in seq order.</summary>
internal sealed partial class ChangeApplier
{
    private readonly ResponseCache _cache;
    private readonly ILogger<ChangeApplier> _logger;

    public ChangeApplier(ResponseCache cache, ILogger<ChangeApplier> logger)
    {
        _cache = cache;
        _logger = logger;
    }

    /// <summary>
    /// Invalidates what <paramref name="change"/> makes out of date and returns how many stored
    /// responses it removed or marked stale. A change this edge cannot read (unknown op, missing
    /// path or tag) drops the whole cache: the origin knows something changed, the edge not what.
    /// </summary>
    public int Apply(ChangeEntry change)
    {
        var purged = (change.Op, change.Path) switch
        {
            (ChangeOps.Put, ['/', ..] path) => _cache.ApplyPut(path, change.ETag),
            (ChangeOps.Delete, ['/', ..] path) => _cache.ApplyDelete(path),
            (ChangeOps.PurgePath, ['/', ..] path) => _cache.PurgePath(path, change.Soft),
            (ChangeOps.PurgePrefix, ['/', ..] prefix) => _cache.PurgePrefix(prefix, change.Soft),
            (ChangeOps.PurgeTag, _) when change.Tags is [_, ..] tags => PurgeTags(tags, change.Soft),
            (ChangeOps.PurgeAll, _) => _cache.PurgeAll(change.Soft),
            _ => -1,
        };
        if (purged < 0)
        {
            LogUnreadable(_logger, change.Seq, change.Op, change.Path ?? "(none)");
            return _cache.PurgeAll(soft: false);
        }

        LogApplied(_logger, change.Seq, change.Op, change.Path ?? string.Join(',', change.Tags ?? []), purged);
        return purged;
    }

    /// <summary>The origin's log no longer reaches back to this edge's position: everything cached may be out of date.</summary>
    public int Reset() => _cache.Reset();

    private int PurgeTags(IReadOnlyList<string> tags, bool soft)
    {
        var purged = 0;
        foreach (var tag in tags)
        {
            purged += _cache.PurgeTag(tag, soft);
        }

        return purged;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Applied change {Seq} {Op} {Target}: {Purged} stored responses")]
    private static partial void LogApplied(ILogger logger, long seq, string op, string target, int purged);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change {Seq} ({Op} {Path}) is not one this edge can apply; dropped the whole cache instead")]
    private static partial void LogUnreadable(ILogger logger, long seq, string op, string path);
}
