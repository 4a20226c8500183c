using EdgeCache.Deploy.Tests.Terraform;

namespace EdgeCache.Deploy.Tests.Checks;

/// <summary>
/// Every terraform.tfvars.example sets only variables its directory declares: copied to terraform.tfvars, it must
/// not make Terraform warn about (or, with -var-file, reject) an undeclared variable.
/// </summary>
internal static class TfvarsExampleCheck
{
    public static IReadOnlyList<string> Run(TerraformTree tree)
        => tree.Directories
            .Where(directory => directory.TfvarsExample is not null)
            .SelectMany(directory => directory.TfvarsExample!.Body.EnumerateObject()
                .Select(setting => setting.Name)
                .Where(name => !directory.DeclaresVariable(name))
                .Select(name => $"{directory.TfvarsExample.Path} sets \"{name}\", which {directory.Path} does not declare"))
            .ToList();
}
