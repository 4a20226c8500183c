using EdgeCache.Cli.Client;
using EdgeCache.Cli.Publishing;
using EdgeCache.Cli.Rendering;

namespace EdgeCache.Cli.Demo;

/// <summary>
/// The little site the demo publishes (src/Cli/Demo/Site, embedded in edgecache.dll so every build
/// of the tool carries it): written out under the data folder and published the way
/// <c>edgecache publish --wait</c> publishes a folder, tagged for <c>edgecache purge --tag</c>.
/// </summary>
internal static class SampleSite
{
    /// <summary>Folder under the data folder the site is written to.</summary>
    public const string FolderName = "sample-site";

    /// <summary>Every file's tag; each also gets one of <c>html</c>, <c>css</c>, <c>images</c> by its media type.</summary>
    public const string SiteTag = "site";

    /// <summary>How long the publish waits for every edge to apply it.</summary>
    public static readonly TimeSpan ConfirmWithin = TimeSpan.FromSeconds(10);

    /// <summary>Resource names are this prefix and the file's path under Site/ (see EdgeCache.Cli.csproj).</summary>
    private const string ResourcePrefix = "DemoSite/";

    /// <summary>Writes the site under <paramref name="data"/> and publishes it through <paramref name="origin"/>, waiting for the edges.</summary>
    public static async Task<PublishOutcome> PublishAsync(OriginClient origin, CliConsole console, string data, CancellationToken cancellationToken)
    {
        var folder = await ExtractAsync(Path.Combine(data, FolderName), cancellationToken);
        var files = await PlanAsync(folder, cancellationToken);
        return await new Publisher(origin, console).PublishAsync(files, cacheControl: null, deletes: [], ConfirmWithin, cancellationToken);
    }

    /// <summary>Writes the embedded files to <paramref name="folder"/>, replacing whatever an earlier demo left there.</summary>
    public static async Task<string> ExtractAsync(string folder, CancellationToken cancellationToken)
    {
        // A kept --data folder may hold the site of an older edgecache; none of its files may be republished.
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        var assembly = typeof(SampleSite).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            // RecursiveDir in the resource name has the build machine's separator.
            var relative = name[ResourcePrefix.Length..].Replace('\\', '/');
            var target = Path.Combine(folder, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await using var resource = assembly.GetManifestResourceStream(name)!;
            await using var file = File.Create(target);
            await resource.CopyToAsync(file, cancellationToken);
        }

        return folder;
    }

    /// <summary>The files to publish: the folder scanned and hashed as <c>edgecache publish</c> does, tagged, and the start page once more at <c>/</c>.</summary>
    public static async Task<IReadOnlyList<PublishFile>> PlanAsync(string folder, CancellationToken cancellationToken)
    {
        var plan = await PublishPlan.ScanAsync([folder], prefix: string.Empty, tags: [SiteTag], cancellationToken);
        var files = plan.Files.Select(file => file with { Tags = [.. file.Tags, KindTag(file.ContentType)] }).ToList();
        // The origin has no directory index: / is the start page published again, the same blob under a second path.
        if (files.Find(file => file.ContentPath == "/index.html") is { } index)
        {
            files.Add(index with { ContentPath = "/" });
        }

        return files;
    }

    private static string KindTag(string contentType)
        => contentType.StartsWith("text/html", StringComparison.Ordinal) ? "html"
            : contentType.StartsWith("text/css", StringComparison.Ordinal) ? "css"
            : contentType.StartsWith("image/", StringComparison.Ordinal) ? "images"
            : "other";
}
