namespace EdgeCache.Replication.Changes;

/// <summary>Where and how <see cref="FileChangeLog"/> keeps the change log.</summary>
public sealed class ChangeLogOptions
{
    /// <summary>Directory of the segment files; created when missing.</summary>
    public string Directory { get; set; } = string.Empty;

    /// <summary>How many of the newest entries compaction keeps at least.</summary>
    public long Retain { get; set; } = 100_000;

    /// <summary>A segment that has reached this size is closed and the next batch starts a new one.</summary>
    public long SegmentBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>How many recent entries stay in memory so the feed can read them without disk I/O.</summary>
    public int CachedEntries { get; set; } = 4096;
}
