using EdgeCache.Deploy.Tests.Terraform;

namespace EdgeCache.Deploy.Tests.Checks;

/// <summary>
/// Every <c>module</c> block calls a directory of the tree by a relative path, passes only variables that module
/// declares, and passes every variable it declares without a default, as <c>terraform validate</c> would insist.
/// </summary>
internal static class ModuleCallCheck
{
    /// <summary>Module block arguments that Terraform itself takes; they are never the called module's variables.</summary>
    public static readonly IReadOnlySet<string> MetaArguments = new HashSet<string>(StringComparer.Ordinal)
    {
        "source", "version", "providers", "count", "for_each", "depends_on",
    };

    public static IReadOnlyList<string> Run(TerraformTree tree)
    {
        var failures = new List<string>();
        foreach (var directory in tree.Directories)
        {
            foreach (var call in directory.ModuleCalls)
            {
                var where = $"{call.File.Path}: module \"{call.Name}\"";
                var source = call.Text("source");
                var called = CalledDirectory(tree, directory, call);
                if (source is null || called is null)
                {
                    failures.Add(source is null
                        ? $"{where} has no literal source"
                        : $"{where}: source {source} is not a relative path to a directory of .tf files");
                    continue;
                }

                failures.AddRange(call.Body.EnumerateObject()
                    .Select(argument => argument.Name)
                    .Where(argument => !MetaArguments.Contains(argument) && !called.DeclaresVariable(argument))
                    .Select(argument => $"{where} passes \"{argument}\", which {called.Path} does not declare"));
                failures.AddRange(called.Variables
                    .Where(variable => !variable.Has("default") && !call.Has(variable.Name))
                    .Select(variable => variable.Name)
                    .Distinct(StringComparer.Ordinal)
                    .Select(variable => $"{where} does not pass \"{variable}\", which {called.Path} requires (it has no default)"));
            }
        }

        return failures;
    }

    /// <summary>The directory a module block's <c>source</c> names, when the source is a relative path into the tree.</summary>
    public static TerraformDirectory? CalledDirectory(TerraformTree tree, TerraformDirectory caller, TerraformBlock call)
        => call.Text("source") is { } source && (source.StartsWith("./", StringComparison.Ordinal) || source.StartsWith("../", StringComparison.Ordinal))
            ? tree.DirectoryAt(Path.Combine(caller.FullPath, source))
            : null;
}
