using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace EdgeCache.Deploy.Tests.Terraform;

/// <summary>What deploy/check/hcl2json.mjs made of a set of HCL files: each parsed file's JSON, and the message of each that did not parse.</summary>
internal sealed record HclFiles(IReadOnlyDictionary<string, JsonElement> Parsed, IReadOnlyDictionary<string, string> Failures);

/// <summary>
/// Runs deploy/check/hcl2json.mjs (Terraform's HCL parser, from npm's @cdktf/hcl2json) under node: no Terraform binary
/// can be installed where the tests run. One run parses every file given, so a test run starts node once per tree.
/// </summary>
internal static class Hcl2Json
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(90);

    public static async Task<HclFiles> ParseAsync(IReadOnlyCollection<string> paths)
    {
        if (paths.Count == 0)
        {
            return new HclFiles(new Dictionary<string, JsonElement>(), new Dictionary<string, string>());
        }

        var script = Path.Combine(Repository.Root, "deploy", "check", "hcl2json.mjs");
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        foreach (var path in paths)
        {
            start.ArgumentList.Add(path);
        }

        using var process = StartNode(start);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(Within))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"node {script} did not exit within {Within}");
            }
        }

        if (process.ExitCode is not (0 or 1))
        {
            throw new InvalidOperationException($"node {script} exited with {process.ExitCode} (did `npm ci --prefix deploy/check` run?): {await error}");
        }

        var parsed = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        using (var document = JsonDocument.Parse(await output))
        {
            foreach (var file in document.RootElement.EnumerateObject())
            {
                parsed[file.Name] = file.Value.Clone();
            }
        }

        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in (await error).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var path = paths.FirstOrDefault(path => line.StartsWith(path + ": ", StringComparison.Ordinal));
            failures[path ?? "(unknown file)"] = path is null ? line : line[(path.Length + 2)..];
        }

        if (process.ExitCode == 1 && failures.Count == 0)
        {
            throw new InvalidOperationException($"node {script} failed without naming a file");
        }

        return new HclFiles(parsed, failures);
    }

    private static Process StartNode(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (Win32Exception missing)
        {
            throw new InvalidOperationException("node is not installed: test.sh installs it (Debian's nodejs and npm)", missing);
        }
    }
}
