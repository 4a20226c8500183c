using System.Text.Json;
using EdgeCache.IntegrationTests.Infrastructure;

namespace EdgeCache.IntegrationTests;


/// <summary>scripts/package.sh builds what operators install: a .NET tool and a self-contained linux-x64 build; both must run.</summary>
[Collection(nameof(HeavyTests))]
public sealed class PackagingTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("edgecache-package-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task The_dotnet_tool_and_the_self_contained_build_both_install_and_talk_to_an_origin()
    {
        var artifacts = Path.Combine(_work.FullName, "artifacts");
        var (packaged, packageOutput) = await RunAsync("bash", [Path.Combine(RepositoryRoot(), "scripts", "package.sh"), artifacts], TimeSpan.FromMinutes(8));
        Assert.True(packaged == 0, packageOutput);
        Assert.Single(Directory.GetFiles(artifacts, "EdgeCache.Cli.*.nupkg"));

        // A global packages folder of its own: an older package of the same version cached by an earlier run must not be installed instead.
        var tools = Path.Combine(_work.FullName, "tools");
        var (installed, installOutput) = await RunAsync(
            "dotnet",
            ["tool", "install", "--tool-path", tools, "EdgeCache.Cli", "--add-source", artifacts],
            TimeSpan.FromMinutes(3),
            new() { ["NUGET_PACKAGES"] = Path.Combine(_work.FullName, "nuget") });
        Assert.True(installed == 0, installOutput);

        var extracted = Path.Combine(_work.FullName, "self-contained");
        Directory.CreateDirectory(extracted);
        var (unpacked, tarOutput) = await RunAsync("tar", ["-xzf", Path.Combine(artifacts, "edgecache-linux-x64.tar.gz"), "-C", extracted], TimeSpan.FromMinutes(1));
        Assert.True(unpacked == 0, tarOutput);

        await using var origin = await TestOrigin.StartAsync();
        await origin.PutAsync("/hello.txt", "hi");
        foreach (var executable in new[] { Path.Combine(tools, "edgecache"), Path.Combine(extracted, "edgecache-linux-x64", "edgecache") })
        {
            var (exitCode, output) = await RunAsync(executable, ["status", "--path", "/hello.txt", "--json", "--origin", origin.Url, "--token", TestOrigin.Token], TimeSpan.FromMinutes(1));
            Assert.True(exitCode == 0, $"{executable}: {output}");
            Assert.StartsWith("\"", JsonDocument.Parse(output).RootElement.GetProperty("originETag").GetString());
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] args, TimeSpan within, Dictionary<string, string?>? environment = null)
    {
        var (exitCode, output, error) = await CliProcess.RunProgramAsync(file, args, environment, within);
        return (exitCode, output + "\n" + error);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EdgeCache.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("EdgeCache.sln not found above " + AppContext.BaseDirectory);
    }
}
