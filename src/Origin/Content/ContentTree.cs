using System.Collections.Immutable;

namespace EdgeCache.Origin.Content;

/// <summary>One file of a <see cref="ContentTree"/>: where it is on disk and the content path it publishes as; or why it was skipped.</summary>
/// <param name="File">The file (or the link) as found under the tree.</param>
/// <param name="RealFile">The file to read: <paramref name="File"/> with its links resolved; null when skipped.</param>
/// <param name="ContentPath">The content path: prefix + "/" + the relative path with forward slashes.</param>
/// <param name="Skipped">Why the file is not published; null when it is.</param>
public sealed record ContentTreeFile(string File, string? RealFile, string ContentPath, string? Skipped);

/// <summary>
/// Walks a directory tree the way the origin publishes it (<c>--content</c>, <c>edgecache publish</c>):
/// every file becomes the content path <c>prefix + "/" + relative path</c>, in ordinal order of names.
/// </summary>
/// <remarks>
/// Skipped (and reported, with the reason): symbolic links whose real target is outside the tree,
/// dangles or loops, directory links back to a directory being walked (cycles), and paths
/// <see cref="Content.ContentPath"/> rejects. Names starting with '.' (editor temp files, <c>.git</c>)
/// are left out silently, except <c>.well-known</c>.
/// </remarks>
public static class ContentTree
{
    private const int MaxLinkHops = 40;

    /// <summary>The files of <paramref name="directory"/>, mounted at <paramref name="prefix"/> (empty: the root).</summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist.</exception>
    public static IEnumerable<ContentTreeFile> Walk(string directory, string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var root = new DirectoryInfo(Path.GetFullPath(directory));
        if (!root.Exists)
        {
            throw new DirectoryNotFoundException($"the content directory {root.FullName} does not exist");
        }

        return WalkExisting(root, prefix.TrimEnd('/'));
    }

    private static IEnumerable<ContentTreeFile> WalkExisting(DirectoryInfo root, string prefix)
    {
        var realRoot = RealPath(root.FullName) ?? root.FullName;
        var pending = new Stack<(string Real, string Content, ImmutableHashSet<string> Ancestors)>();
        pending.Push((realRoot, prefix, ImmutableHashSet.Create(StringComparer.Ordinal, realRoot)));

        while (pending.Count > 0)
        {
            var (realDirectory, contentDirectory, ancestors) = pending.Pop();
            var entries = new DirectoryInfo(realDirectory).EnumerateFileSystemInfos()
                .OrderBy(e => e.Name, StringComparer.Ordinal)
                .ToList();
            foreach (var entry in entries)
            {
                if (entry.Name.StartsWith('.') && entry.Name != ".well-known")
                {
                    continue;
                }

                var contentPath = contentDirectory + "/" + entry.Name;
                var real = entry.FullName;
                if (entry.LinkTarget is not null)
                {
                    var target = RealPath(entry.FullName);
                    if (target is null || !IsInside(target, realRoot))
                    {
                        yield return new ContentTreeFile(entry.FullName, null, contentPath, "a symbolic link that leaves the directory, dangles or loops");
                        continue;
                    }

                    real = target;
                }

                if (Directory.Exists(real))
                {
                    // Only a link back to a directory being walked is a cycle; two names for one directory are both published.
                    if (ancestors.Contains(real))
                    {
                        yield return new ContentTreeFile(entry.FullName, null, contentPath, "a symbolic link back to a directory above it (a cycle)");
                    }
                    else
                    {
                        pending.Push((real, contentPath, ancestors.Add(real)));
                    }

                    continue;
                }

                if (!File.Exists(real))
                {
                    continue;
                }

                yield return ContentPath.TryNormalize(contentPath, out _, out var error)
                    ? new ContentTreeFile(entry.FullName, real, contentPath, null)
                    : new ContentTreeFile(entry.FullName, null, contentPath, error);
            }
        }
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
}
