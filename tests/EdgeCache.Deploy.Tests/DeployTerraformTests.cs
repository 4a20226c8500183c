using EdgeCache.Deploy.Tests.Checks;
using EdgeCache.Deploy.Tests.Cli;

namespace EdgeCache.Deploy.Tests;

/// <summary>
/// deploy/terraform checked as <c>terraform validate</c> would and more, without Terraform: its files parse, module
/// calls and references fit what the modules declare, and the systemd units start the CLI that ships.
/// </summary>
public sealed class DeployTerraformTests
{
    [Fact]
    public async Task Every_file_parses_and_the_tree_has_modules_and_examples()
        => Passes(LayoutCheck.Run(await DeployTree.GetAsync()));

    [Fact]
    public async Task Module_calls_pass_only_declared_variables_and_every_required_one()
        => Passes(ModuleCallCheck.Run(await DeployTree.GetAsync()));

    [Fact]
    public async Task References_name_declared_module_outputs_variables_and_locals()
        => Passes(ReferenceCheck.Run(await DeployTree.GetAsync()));

    [Fact]
    public async Task Variables_have_a_type_and_a_description_and_outputs_a_description()
        => Passes(DeclarationCheck.Run(await DeployTree.GetAsync()));

    [Fact]
    public async Task Templatefile_calls_pass_exactly_the_names_their_templates_use()
        => Passes(TemplateCheck.Run(await DeployTree.GetAsync()));

    [Fact]
    public async Task The_rendered_units_start_the_cli_with_commands_and_options_its_help_lists()
    {
        var tree = await DeployTree.GetAsync();
        var cli = await CliHelp.OfThisBuildAsync();

        Passes([.. ExecStartCheck.Run(tree, cli), .. ExecStartCheck.MissingServers(tree)]);
    }

    [Fact]
    public async Task Tfvars_examples_set_only_declared_variables()
        => Passes(TfvarsExampleCheck.Run(await DeployTree.GetAsync()));

    private static void Passes(IReadOnlyList<string> failures)
        => Assert.True(failures.Count == 0, $"{failures.Count} failure(s):\n" + string.Join('\n', failures));
}
