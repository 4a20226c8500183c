using System.Collections.Immutable;
using EdgeCache.Replication.Changes;
using Microsoft.AspNetCore.StaticFiles;
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
/// Skipped: symbolic links (files or directories) whose real target is outside the tree,
/// directory links back to a directory being walked (cycles), and files and directories whose name starts with
/// '.' (editor temp files, <c>.git</c>) except <c>.well-known</c>. Files whose path
/// <see cref="ContentPath"/> rejects are skipped with a warning. A file over
/// <see cref="MaxFileBytes"/> fails the import (<see cref="ContentTooLargeException"/>).
/// Paths missing from the tree are left published unless <see cref="IncludeDeletes"/> is set,
/// since a partial upload directory should not unpublish the rest of the site by accident.
/// </remarks>
public sealed partial class ContentImporter(IContentStore store, ILogger<ContentImporter> logger)
{
    private const string DefaultContentType = "application/octet-stream";
    private const int MaxLinkHops = 40;

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

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

        var root = new DirectoryInfo(Path.GetFullPath(directory));
        if (!root.Exists)
        {
            throw new DirectoryNotFoundException($"the content directory {root.FullName} does not exist");
        }

        var realRoot = RealPath(root.FullName) ?? root.FullName;
        var changes = new List<ChangeEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<(string Real, string Content, ImmutableHashSet<string> Ancestors)>();
        pending.Push((realRoot, prefix, ImmutableHashSet.Create(StringComparer.Ordinal, realRoot)));
        var files = 0;

        while (pending.Count > 0)
        {
            var (realDirectory, contentDirectory, ancestors) = pending.Pop();
            var entries = new DirectoryInfo(realDirectory).EnumerateFileSystemInfos()
                .OrderBy(e => e.Name, StringComparer.Ordinal)
                .ToList();
            foreach (var entry in entries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (entry.Name.StartsWith('.') && entry.Name != ".well-known")
                {
                    continue;
                }

                var real = entry.FullName;
                if (entry.LinkTarget is not null)
                {
                    var target = RealPath(entry.FullName);
                    if (target is null || !IsInside(target, realRoot))
                    {
                        LogLinkSkipped(logger, entry.FullName);
                        continue;
                    }

                    real = target;
                }

                var contentPath = contentDirectory + "/" + entry.Name;
                if (Directory.Exists(real))
                {
                    // Only a link back to a directory being walked is a cycle; two names for one directory are both published.
                    if (!ancestors.Contains(real))
                    {
                        pending.Push((real, contentPath, ancestors.Add(real)));
                    }
                    else
                    {
                        LogLinkSkipped(logger, entry.FullName);
                    }

                    continue;
                }

                if (!File.Exists(real))
                {
                    continue;
                }

                if (!ContentPath.TryNormalize(contentPath, out _, out var error))
                {
                    LogPathRejected(logger, entry.FullName, error);
                    continue;
                }

                files++;
                seen.Add(contentPath);
                var change = await ImportFileAsync(real, contentPath, cancellationToken).ConfigureAwait(false);
                if (change is not null)
                {
                    changes.Add(change);
                }
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
        LogImported(logger, root.FullName, files, changes.Count);
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
            ContentType = ContentTypes.TryGetContentType(contentPath, out var type) ? type : DefaultContentType,
            Tags = [],
        };
    }

    private static bool IsInside(string path, string root) =>
        path == root || path.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>
    /// The path with every symbolic link along it resolved (like realpath(3)); null when it
    /// dangles or loops. Resolving only the last link would miss a target that passes through
    /// another link pointing out of the tree.
    /// </summary>
    private static string? RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var hops = 0;
        var resolved = Path.GetPathRoot(full)!;
        var remaining = new Queue<string>(full[resolved.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries));
        while (remaining.Count > 0)
        {
            var candidate = Path.Combine(resolved, remaining.Dequeue());
            // readlink(2) works on a link to a file or a directory alike.
            if (new FileInfo(candidate).LinkTarget is not { } target)
            {
                if (!Path.Exists(candidate))
                {
                    return null;
                }

                resolved = candidate;
                continue;
            }

            if (++hops > MaxLinkHops)
            {
                return null;
            }

            // Restart from the link's target followed by whatever was left of the path.
            var next = Path.GetFullPath(target, resolved);
            var rest = remaining.ToArray();
            resolved = Path.GetPathRoot(next)!;
            remaining = new Queue<string>(next[resolved.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Concat(rest));
        }

        return resolved;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped {Path}: a symbolic link that leaves the content directory, dangles or loops")]
    private static partial void LogLinkSkipped(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipped {File}: {Reason}")]
    private static partial void LogPathRejected(ILogger logger, string file, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported {Directory}: {Files} files, {Changes} changes")]
    private static partial void LogImported(ILogger logger, string directory, int files, int changes);
}
