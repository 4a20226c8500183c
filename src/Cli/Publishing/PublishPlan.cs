using System.Security.Cryptography;
using EdgeCache.Origin.Content;

namespace EdgeCache.Cli.Publishing;

/// <summary>One file to publish: where it is, the content path it publishes as, and what the origin needs to know of it.</summary>
internal sealed record PublishFile(string File, string ContentPath, string Hash, long Size, string ContentType, IReadOnlyList<string> Tags);

/// <summary>A file left out of a publish, and why.</summary>
internal sealed record SkippedFile(string File, string Reason);

/// <summary>
/// The files <c>edgecache publish PATH... --to /prefix</c> publishes, hashed: a directory's tree is
/// mounted at the prefix the way the origin's <c>--content</c> mounts it (<see cref="ContentTree"/>),
/// a file goes to <c>prefix/name</c>.
/// </summary>
internal sealed class PublishPlan
{
    private PublishPlan(IReadOnlyList<PublishFile> files, IReadOnlyList<SkippedFile> skipped)
    {
        Files = files;
        Skipped = skipped;
    }

    public IReadOnlyList<PublishFile> Files { get; }

    public IReadOnlyList<SkippedFile> Skipped { get; }

    /// <summary>The normalized content prefix of <c>--to</c>: empty for the root, else <c>/a/b</c>.</summary>
    /// <exception cref="UsageException">It is not a content path.</exception>
    public static string Prefix(string? to)
    {
        var trimmed = (to ?? "/").TrimEnd('/');
        if (trimmed.Length == 0)
        {
            return string.Empty;
        }

        if (!ContentPath.TryNormalize(trimmed, out var prefix, out var error))
        {
            throw new UsageException($"--to: '{to}' is not a content path: {error}");
        }

        return prefix;
    }

    /// <summary>Finds and hashes every file under <paramref name="paths"/>.</summary>
    /// <exception cref="CommandFailedException">A path does not exist, or two files would publish as one content path.</exception>
    public static async Task<PublishPlan> ScanAsync(IReadOnlyList<string> paths, string prefix, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        var files = new List<PublishFile>();
        var skipped = new List<SkippedFile>();
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            var found = Directory.Exists(path) ? ContentTree.Walk(path, prefix)
                : File.Exists(path) ? [Single(path, prefix)]
                : throw new CommandFailedException($"{path}: no such file or directory");
            foreach (var entry in found)
            {
                if (entry.RealFile is null)
                {
                    skipped.Add(new SkippedFile(entry.File, entry.Skipped!));
                    continue;
                }

                if (!sources.TryAdd(entry.ContentPath, entry.File))
                {
                    throw new CommandFailedException($"{entry.ContentPath} would come from both {sources[entry.ContentPath]} and {entry.File}");
                }

                var (hash, size) = await HashAsync(entry.RealFile, cancellationToken).ConfigureAwait(false);
                files.Add(new PublishFile(entry.RealFile, entry.ContentPath, hash, size, MediaTypes.For(entry.ContentPath), tags));
            }
        }

        return new PublishPlan(files, skipped);
    }

    private static ContentTreeFile Single(string file, string prefix)
    {
        var contentPath = prefix + "/" + Path.GetFileName(Path.GetFullPath(file));
        return ContentPath.TryNormalize(contentPath, out _, out var error)
            ? new ContentTreeFile(file, Path.GetFullPath(file), contentPath, null)
            : new ContentTreeFile(file, null, contentPath, error);
    }

    /// <summary>The SHA-256 (lower-case hex) and length of the bytes read, even if the file changed since it was listed.</summary>
    private static async Task<(string Hash, long Size)> HashAsync(string file, CancellationToken cancellationToken)
    {
        var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            var hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
            return (Convert.ToHexStringLower(hash), stream.Position);
        }
    }
}
