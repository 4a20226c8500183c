namespace EdgeCache.Deploy.Tests;

/// <summary>Where the repository is, found from the test assembly's folder (the directory holding EdgeCache.sln).</summary>
internal static class Repository
{
    private static readonly Lazy<string> Found = new(() =>
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EdgeCache.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("EdgeCache.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => Found.Value;

    /// <summary>deploy/terraform: the Terraform modules and examples the real-tree tests check.</summary>
    public static string TerraformRoot => Path.Combine(Root, "deploy", "terraform");
}
