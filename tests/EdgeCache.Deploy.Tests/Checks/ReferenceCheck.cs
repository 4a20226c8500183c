using EdgeCache.Deploy.Tests.Terraform;

namespace EdgeCache.Deploy.Tests.Checks;

/// <summary>
/// Every <c>module.NAME.OUTPUT</c> in an expression names a module block of the same directory whose module declares
/// that output; every <c>var.NAME</c> and <c>local.NAME</c> names a variable or local the directory declares.
/// </summary>
internal static class ReferenceCheck
{
    public static IReadOnlyList<string> Run(TerraformTree tree)
    {
        var failures = new List<string>();
        foreach (var directory in tree.Directories)
        {
            foreach (var (file, expression) in directory.Expressions())
            {
                foreach (var reference in HclReference.In(expression))
                {
                    var failure = reference.Kind switch
                    {
                        HclReference.Variable when !directory.DeclaresVariable(reference.Name) => $"{reference} names no variable of {directory.Path}",
                        HclReference.Local when !directory.Locals.Contains(reference.Name) => $"{reference} names no local of {directory.Path}",
                        HclReference.Module => ModuleOutputFailure(tree, directory, reference),
                        _ => null,
                    };
                    if (failure is not null)
                    {
                        failures.Add($"{file.Path}: {failure}");
                    }
                }
            }
        }

        return failures.Distinct(StringComparer.Ordinal).ToList();
    }

    private static string? ModuleOutputFailure(TerraformTree tree, TerraformDirectory directory, HclReference reference)
    {
        var call = directory.ModuleCalls.FirstOrDefault(call => call.Name == reference.Name);
        if (call is null)
        {
            return $"{reference} names no module block of {directory.Path}";
        }

        // A call whose source does not resolve is ModuleCallCheck's failure; its outputs cannot be known here.
        var called = ModuleCallCheck.CalledDirectory(tree, directory, call);
        return reference.Attribute is { } output && called is not null && !called.DeclaresOutput(output)
            ? $"{reference}: module \"{call.Name}\" ({called.Path}) declares no output \"{output}\""
            : null;
    }
}
