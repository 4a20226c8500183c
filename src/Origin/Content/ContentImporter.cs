using EdgeCache.Replication.Changes;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Origin.Content;

/// <summary>
/// Turns a directory tree into put changes: every file becomes the content path
/// <c>PathPrefix + "/" + relative path</c> (forward slashes); its blob is written to the store
/// (deduplicated by hash) and only files whose hash differs from the manifest's current item
/// for that path become changes. The caller appends them to the change log and applies the
/// seq-assigned entries to the store.
/// </summary>
/// <remarks>
/// The tree is walked by <see cref="ContentTree"/>; what it skips is logged as a warning. A file over
/// <see cref="MaxFileBytes"/> fails the import (<see cref="ContentTooLargeException"/>).
/// Paths missing from the tree are left published unless <see cref="IncludeDeletes"/> is set,
/// since a partial upload directory should not unpublish the rest of the site by accident.
/// </remarks>
public sealed partial class ContentImporter(IContentStore store, ILogger<ContentImporter> logger)
{
    /// <summary>Largest file accepted, in bytes.</summary>
    public long MaxFileBytes { get; init; } = long.MaxValue;

    /// <summary>Also return a delete for every published path under <see cref="PathPrefix"/> that the tree no longer has.</summary>
    public bool IncludeDeletes { get; init; }

    /// <summary>Content path the tree is mounted at, e.g. <c>/static</c>; empty (the default) mounts it at the root.</summary>
    public string PathPrefix { get; init; } = string.Empty;

    /// <summary>The changes (seq 0, not yet logged) that bring the store in line with <paramref name="directory"/>, ordered by path.</summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist.</exception>
    /// <exception cref="ArgumentException"><see cref="PathPrefix"/> is not a valid content path.</exception>
    public async Task<IReadOnlyList<ChangeEntry>> ImportAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var prefix = PathPrefix.TrimEnd('/');
        if (prefix.Length > 0 && !ContentPath.TryNormalize(prefix, out _, out var prefixError))
        {
            throw new ArgumentException($"the path prefix is not valid: {prefixError}", nameof(directory));
        }

        var root = Path.GetFullPath(directory);
        var changes = new List<ChangeEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var files = 0;
        foreach (var file in ContentTree.Walk(root, prefix))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file.RealFile is null)
            {
                LogSkipped(logger, file.File, file.Skipped!);
                continue;
            }

            files++;
            seen.Add(file.ContentPath);
            var change = await ImportFileAsync(file.RealFile, file.ContentPath, cancellationToken).ConfigureAwait(false);
            if (change is not null)
            {
                changes.Add(change);
            }
        }

        if (IncludeDeletes)
        {
            var under = prefix + "/";
            changes.AddRange(store.Items()
                .Where(i => i.Path.StartsWith(under, StringComparison.Ordinal) && !seen.Contains(i.Path))
                .Select(i => new ChangeEntry { Op = ChangeOps.Delete, Path = i.Path }));
        }

        changes.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        LogImported(logger, root, files, changes.Count);
        return changes;
    }

    private async Task<ChangeEntry?> ImportFileAsync(string file, string contentPath, CancellationToken cancellationToken)
    {
        string hash;
        long size;
        var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            hash = await store.WriteBlobAsync(stream, MaxFileBytes, cancellationToken: cancellationToken).ConfigureAwait(false);
            // The bytes actually hashed, even if the file grew or shrank since it was listed.
            size = stream.Position;
        }

        if (store.Get(contentPath)?.Hash == hash)
        {
            return null;
        }

        return new ChangeEntry
        {
            Op = ChangeOps.Put,
            Path = contentPath,
            ETag = FileContentStore.ETagFor(hash),
            Size = size,
            ContentType = MediaTypes.For(contentPath),
            Tags = [],
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped {File}: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string file, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported {Directory}: {Files} files, {Changes} changes")]
    private static partial void LogImported(ILogger logger, string directory, int files, int changes);
}
