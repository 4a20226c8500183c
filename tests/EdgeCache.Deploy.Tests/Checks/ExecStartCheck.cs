using EdgeCache.Deploy.Tests.Cli;
using EdgeCache.Deploy.Tests.Terraform;

namespace EdgeCache.Deploy.Tests.Checks;

/// <summary>
/// Every ExecStart= line the tree's templates render starts /opt/edgecache/edgecache with a command the CLI has and
/// only options that command's --help lists; and the modules start each server the deployment needs.
/// </summary>
internal static class ExecStartCheck
{
    public const string Executable = "/opt/edgecache/edgecache";

    /// <summary>The commands the modules deploy: each needs a unit under modules/ that starts it.</summary>
    public static readonly IReadOnlyList<string> DeployedCommands = ["origin", "edge"];

    public static IReadOnlyList<string> Run(TerraformTree tree, CliHelp cli)
    {
        var failures = new List<string>();
        foreach (var rendered in TemplateRendering.Outermost(tree))
        {
            foreach (var line in ExecStart.LinesIn(rendered.Text))
            {
                var where = $"{rendered.File.Path}: {rendered.Call.Name} renders \"{line}\"";
                var start = ExecStart.Parse(line);
                if (start.Executable != Executable)
                {
                    failures.Add($"{where}: it runs {start.Executable}, not {Executable}");
                    continue;
                }

                var command = start.Arguments.FirstOrDefault() ?? "";
                if (!cli.HasCommand(command))
                {
                    failures.Add($"{where}: edgecache has no command \"{command}\" (its --help lists {string.Join(", ", cli.Commands)})");
                    continue;
                }

                var options = cli.OptionsOf(command);
                failures.AddRange(start.Arguments
                    .Where(argument => argument.StartsWith("--", StringComparison.Ordinal))
                    .Select(argument => argument.Split('=')[0])
                    .Where(option => !options.Contains(option))
                    .Select(option => $"{where}: edgecache {command} has no option {option} (its --help lists {string.Join(", ", options.Order(StringComparer.Ordinal))})"));
            }
        }

        return failures.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>A failure for each of <see cref="DeployedCommands"/> that no template under modules/ starts.</summary>
    public static IReadOnlyList<string> MissingServers(TerraformTree tree)
    {
        var started = TemplateRendering.Outermost(tree)
            .Where(rendered => rendered.Directory.Path.StartsWith("modules/", StringComparison.Ordinal))
            .SelectMany(rendered => ExecStart.LinesIn(rendered.Text))
            .Select(ExecStart.Parse)
            .Where(start => start.Executable == Executable && start.Arguments.Count > 0)
            .Select(start => start.Arguments[0])
            .ToHashSet(StringComparer.Ordinal);
        return DeployedCommands
            .Where(command => !started.Contains(command))
            .Select(command => $"no template under modules/ renders \"ExecStart={Executable} {command} ...\": the modules must start edgecache {command}")
            .ToList();
    }
}
