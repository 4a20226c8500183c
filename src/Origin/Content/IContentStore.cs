using EdgeCache.Replication.Changes;

namespace EdgeCache.Origin.Content;

/// <summary>One published path as the manifest records it.</summary>
public sealed record ContentItem(
    string Path,
    string Hash,
    long Size,
    string ContentType,
    IReadOnlyList<string> Tags,
    string? CacheControl,
    DateTimeOffset LastModified,
    long Seq);

/// <summary>
/// The origin's content: blobs addressed by their SHA-256 (lower-case hex) and a manifest of
/// path -> item. Every write is atomic (temp file, fsync, rename). The manifest records the
/// last change seq it reflects, so after a crash the change log can be replayed onto it.
/// </summary>
public interface IContentStore
{
    /// <summary>Seq of the last change applied to the manifest (0 when none).</summary>
    long AppliedSeq { get; }

    bool HasBlob(string hash);

    /// <summary>The size of a stored blob in bytes; null when there is none (or the hash is malformed).</summary>
    long? BlobSize(string hash);

    /// <summary>
    /// Stores <paramref name="content"/> as a blob and returns its hash; throws <see cref="ContentTooLargeException"/>
    /// beyond <paramref name="maxBytes"/> and, when <paramref name="expectedHash"/> is given and the content
    /// hashes otherwise, <see cref="BlobHashMismatchException"/>. Either way nothing is stored.
    /// </summary>
    Task<string> WriteBlobAsync(Stream content, long maxBytes, string? expectedHash = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Keeps the collector off <paramref name="hashes"/> (present or still to be written) until the lease is
    /// disposed. A blob found present after pinning stays present while pinned.
    /// </summary>
    IDisposable PinBlobs(IReadOnlyCollection<string> hashes);

    /// <summary>Opens a blob for reading; null when there is none.</summary>
    Stream? OpenBlob(string hash);

    ContentItem? Get(string path);

    IReadOnlyCollection<ContentItem> Items();

    /// <summary>Applies put and delete changes (others are ignored) to the manifest, durably, in order; entries at or below <see cref="AppliedSeq"/> are skipped.</summary>
    Task ApplyAsync(IReadOnlyList<ChangeEntry> changes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Brings this process's view of the manifest up to the stored one, which other origins sharing
    /// the store may have moved; nothing to do for a store only this process writes.
    /// </summary>
    Task RefreshAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes blobs no manifest item references (and stale temp files); returns how many.</summary>
    Task<int> CollectGarbageAsync(CancellationToken cancellationToken = default);
}

/// <summary>A body exceeded the configured limit; nothing was stored.</summary>
public sealed class ContentTooLargeException(long limit) : Exception($"the content is larger than the limit of {limit} bytes")
{
    public long Limit { get; } = limit;
}

/// <summary>A body did not hash to the hash it was sent for; nothing was stored.</summary>
public sealed class BlobHashMismatchException(string expected, string actual)
    : Exception($"the content hashes to {actual}, not {expected}")
{
    public string Expected { get; } = expected;

    public string Actual { get; } = actual;
}
