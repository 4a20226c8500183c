namespace EdgeCache.Replication.Changes;

/// <summary>
/// The origin's ordered, durable change log. Seqs are gapless and strictly increasing; an
/// append returns only once its entries are durable (fsync, or a committed transaction);
/// concurrent appenders are serialised. Implementations: files on disk (default) and PostgreSQL (issue 10).
/// </summary>
public interface IChangeLog : IAsyncDisposable
{
    /// <summary>Seq of the newest entry; 0 when the log has never had one.</summary>
    long Head { get; }

    /// <summary>Lowest seq the log still holds; entries below it were compacted away. Head + 1 when the log is empty.</summary>
    long LowWaterMark { get; }

    /// <summary>
    /// Appends <paramref name="changes"/> as consecutive seqs, all or nothing, and returns them
    /// with <see cref="ChangeEntry.Seq"/> and <see cref="ChangeEntry.At"/> assigned, once durable.
    /// </summary>
    ValueTask<IReadOnlyList<ChangeEntry>> AppendAsync(IReadOnlyList<ChangeEntry> changes, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> entries with seq greater than <paramref name="after"/>, in order.</summary>
    ValueTask<IReadOnlyList<ChangeEntry>> ReadAsync(long after, int limit, CancellationToken cancellationToken = default);

    /// <summary>Completes when the head passes <paramref name="after"/> (at once if it already has).</summary>
    Task WaitForEntriesAsync(long after, CancellationToken cancellationToken = default);

    /// <summary>Drops all but the newest <c>Retain</c> entries and raises <see cref="LowWaterMark"/>; returns how many were dropped.</summary>
    ValueTask<long> CompactAsync(CancellationToken cancellationToken = default);
}
