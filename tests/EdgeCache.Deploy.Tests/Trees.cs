using EdgeCache.Deploy.Tests.Terraform;

namespace EdgeCache.Deploy.Tests;

/// <summary>deploy/terraform, parsed once per test run; a missing tree fails every test that asks for it.</summary>
internal static class DeployTree
{
    private static readonly Lazy<Task<TerraformTree>> Loaded = new(LoadAsync);

    public static Task<TerraformTree> GetAsync() => Loaded.Value;

    private static Task<TerraformTree> LoadAsync()
        => Directory.Exists(Repository.TerraformRoot)
            ? TerraformTree.LoadAsync(Repository.TerraformRoot)
            : throw new DirectoryNotFoundException($"{Repository.TerraformRoot} is missing: the Terraform modules and examples (issue 8) belong there");
}

/// <summary>The trees under Fixtures/ (copied beside the test assembly), every file of them parsed in one node run.</summary>
internal static class FixtureTrees
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Fixtures");

    private static readonly Lazy<Task<HclFiles>> Parsed = new(() => Hcl2Json.ParseAsync(TerraformTree.HclFilesUnder(Root)));

    public static async Task<TerraformTree> GetAsync(string name) => TerraformTree.Build(Path.Combine(Root, name), await Parsed.Value);
}
