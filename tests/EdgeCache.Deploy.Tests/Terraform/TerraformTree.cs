namespace EdgeCache.Deploy.Tests.Terraform;

/// <summary>
/// A tree of Terraform modules laid out as deploy/terraform is (modules/NAME and examples/NAME, templates beside the
/// .tf files that render them), every .tf file and terraform.tfvars.example in it parsed by <see cref="Hcl2Json"/>.
/// </summary>
internal sealed class TerraformTree
{
    public const string TfvarsExample = "terraform.tfvars.example";

    private TerraformTree(string root, IReadOnlyList<TerraformDirectory> directories, IReadOnlyDictionary<string, string> parseFailures)
    {
        Root = root;
        Directories = directories;
        ParseFailures = parseFailures;
    }

    public string Root { get; }

    /// <summary>Every directory holding .tf files that parsed, in path order.</summary>
    public IReadOnlyList<TerraformDirectory> Directories { get; }

    /// <summary>The message of every file that did not parse, by its path relative to <see cref="Root"/>.</summary>
    public IReadOnlyDictionary<string, string> ParseFailures { get; }

    public static async Task<TerraformTree> LoadAsync(string root) => Build(root, await Hcl2Json.ParseAsync(HclFilesUnder(root)));

    /// <summary>The .tf and terraform.tfvars.example files under <paramref name="root"/> (none if it is missing), skipping .terraform and other dot-directories.</summary>
    public static IReadOnlyList<string> HclFilesUnder(string root)
    {
        if (!Directory.Exists(root))
        {
            return [];
        }

        var files = new List<string>();
        var pending = new Stack<string>([Path.GetFullPath(root)]);
        while (pending.TryPop(out var directory))
        {
            files.AddRange(Directory.EnumerateFiles(directory).Where(IsHcl));
            foreach (var child in Directory.EnumerateDirectories(directory).Where(child => !Path.GetFileName(child).StartsWith('.')))
            {
                pending.Push(child);
            }
        }

        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>The tree under <paramref name="root"/> from files already parsed (possibly with files of other trees).</summary>
    public static TerraformTree Build(string root, HclFiles parsed)
    {
        root = Path.GetFullPath(root);
        var mine = HclFilesUnder(root);
        var directories = mine
            .Where(parsed.Parsed.ContainsKey)
            .GroupBy(path => Path.GetDirectoryName(path)!, StringComparer.Ordinal)
            .Where(directory => directory.Any(path => path.EndsWith(".tf", StringComparison.Ordinal)))
            .Select(directory =>
            {
                var files = directory
                    .Where(path => path.EndsWith(".tf", StringComparison.Ordinal))
                    .Select(path => new TerraformFile(Relative(root, path), parsed.Parsed[path]))
                    .ToList();
                var example = directory.FirstOrDefault(path => Path.GetFileName(path) == TfvarsExample);
                var tfvars = example is null ? null : new TerraformFile(Relative(root, example), parsed.Parsed[example]);
                return new TerraformDirectory(directory.Key, Relative(root, directory.Key), files, tfvars);
            })
            .OrderBy(directory => directory.Path, StringComparer.Ordinal)
            .ToList();
        var failures = mine
            .Where(parsed.Failures.ContainsKey)
            .ToDictionary(path => Relative(root, path), path => parsed.Failures[path], StringComparer.Ordinal);
        return new TerraformTree(root, directories, failures);
    }

    /// <summary>The directory a module call's relative <c>source</c> names, when it holds .tf files that parsed.</summary>
    public TerraformDirectory? DirectoryAt(string fullPath)
    {
        var normalized = Path.TrimEndingDirectorySeparator(Path.GetFullPath(fullPath));
        return Directories.FirstOrDefault(directory => directory.FullPath == normalized);
    }

    /// <summary>Relative to <see cref="Root"/>, '/' separators.</summary>
    public string RelativePath(string fullPath) => Relative(Root, fullPath);

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');

    private static bool IsHcl(string path)
        => path.EndsWith(".tf", StringComparison.Ordinal) || Path.GetFileName(path) == TfvarsExample;
}
