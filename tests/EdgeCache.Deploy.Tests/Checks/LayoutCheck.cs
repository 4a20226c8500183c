using EdgeCache.Deploy.Tests.Terraform;

namespace EdgeCache.Deploy.Tests.Checks;

/// <summary>
/// The tree is there, every file in it parses, and it is laid out as the conventions say: modules/NAME and
/// examples/NAME, each with versions.tf, variables.tf, main.tf and outputs.tf, each example with a terraform.tfvars.example.
/// </summary>
internal static class LayoutCheck
{
    private static readonly string[] ModuleFiles = ["versions.tf", "variables.tf", "main.tf", "outputs.tf"];

    public static IReadOnlyList<string> Run(TerraformTree tree)
    {
        if (!Directory.Exists(tree.Root))
        {
            return [$"{tree.Root} does not exist"];
        }

        var failures = tree.ParseFailures.Select(failure => $"{failure.Key} does not parse: {failure.Value}").ToList();
        failures.AddRange(Missing(tree, "modules", ModuleFiles));
        failures.AddRange(Missing(tree, "examples", [.. ModuleFiles, TerraformTree.TfvarsExample]));
        return failures;
    }

    private static IEnumerable<string> Missing(TerraformTree tree, string kind, string[] files)
    {
        var parent = Path.Combine(tree.Root, kind);
        var directories = Directory.Exists(parent)
            ? Directory.EnumerateDirectories(parent).Where(directory => !Path.GetFileName(directory).StartsWith('.')).Order(StringComparer.Ordinal).ToList()
            : [];
        if (directories.Count == 0)
        {
            yield return $"{kind}/ is missing or empty: the tree needs at least one of its {kind}";
        }

        foreach (var directory in directories)
        {
            foreach (var file in files.Where(file => !File.Exists(Path.Combine(directory, file))))
            {
                yield return $"{tree.RelativePath(directory)}/{file} is missing";
            }
        }
    }
}
