using EdgeCache.Deploy.Tests.Checks;
using EdgeCache.Deploy.Tests.Cli;

namespace EdgeCache.Deploy.Tests;

/// <summary>Each check on a small tree under Fixtures/ with the one mistake it must catch, and on one tree without any.</summary>
public sealed class CheckFixtureTests
{
    [Fact]
    public async Task The_good_tree_passes_every_check()
    {
        var tree = await FixtureTrees.GetAsync("good");
        var cli = await CliHelp.OfThisBuildAsync();

        Assert.Empty(LayoutCheck.Run(tree));
        Assert.Empty(ModuleCallCheck.Run(tree));
        Assert.Empty(ReferenceCheck.Run(tree));
        Assert.Empty(DeclarationCheck.Run(tree));
        Assert.Empty(TemplateCheck.Run(tree));
        Assert.Empty(ExecStartCheck.Run(tree, cli));
        Assert.Empty(ExecStartCheck.MissingServers(tree));
        Assert.Empty(TfvarsExampleCheck.Run(tree));
    }

    [Fact]
    public async Task The_good_tree_renders_the_origin_unit_inside_its_cloud_init()
    {
        var tree = await FixtureTrees.GetAsync("good");

        var rendered = Assert.Single(TemplateRendering.Outermost(tree), rendered => rendered.Directory.Path == "modules/origin");

        Assert.Equal(
            """
            #cloud-config
            write_files:
              - path: /etc/systemd/system/edgecache-origin.service
                encoding: b64
                content: [Unit]
            Description=EdgeCache origin
            After=network-online.target

            [Service]
            EnvironmentFile=/etc/edgecache/origin.env
            ExecStart=/opt/edgecache/edgecache origin \
              --listen http://0.0.0.0:EXAMPLE_PORT --data EXAMPLE_DATA_DIR
            Restart=always

            [Install]
            WantedBy=multi-user.target

            runcmd:
              - echo "EDGECACHE_TOKEN=$(aws ssm get-parameter --name EXAMPLE_TOKEN_PARAMETER --with-decryption --query Parameter.Value --output text)" > /etc/edgecache/origin.env
              - echo "${HOME}"
              - systemctl daemon-reload
              - systemctl enable --now edgecache-origin.service

            """,
            rendered.Text);
    }

    [Fact]
    public async Task A_missing_tree_fails()
    {
        var tree = await FixtureTrees.GetAsync("no-such-tree");

        Assert.Equal([$"{tree.Root} does not exist"], LayoutCheck.Run(tree));
    }

    [Fact]
    public async Task Every_file_that_does_not_parse_is_named()
    {
        var failures = LayoutCheck.Run(await FixtureTrees.GetAsync("parse-error"));

        Assert.Contains(failures, failure => failure.StartsWith("modules/m/main.tf does not parse: ", StringComparison.Ordinal) && failure.Contains("Unclosed configuration block", StringComparison.Ordinal));
        Assert.Contains(failures, failure => failure.StartsWith("examples/e/main.tf does not parse: ", StringComparison.Ordinal) && failure.Contains("Argument names must not be quoted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_tree_without_examples_fails()
        => Assert.Equal(
            ["examples/ is missing or empty: the tree needs at least one of its examples"],
            LayoutCheck.Run(await FixtureTrees.GetAsync("no-examples")));

    [Fact]
    public async Task A_module_call_passing_an_undeclared_variable_fails()
        => Assert.Equal(
            ["examples/e/main.tf: module \"m\" passes \"b\", which modules/m does not declare"],
            ModuleCallCheck.Run(await FixtureTrees.GetAsync("undeclared-argument")));

    [Fact]
    public async Task A_module_call_missing_a_required_variable_fails()
        => Assert.Equal(
            ["examples/e/main.tf: module \"m\" does not pass \"c\", which modules/m requires (it has no default)"],
            ModuleCallCheck.Run(await FixtureTrees.GetAsync("missing-required-variable")));

    [Fact]
    public async Task A_module_call_to_a_missing_directory_fails()
        => Assert.Equal(
            ["examples/e/main.tf: module \"m\": source ../../modules/nope is not a relative path to a directory of .tf files"],
            ModuleCallCheck.Run(await FixtureTrees.GetAsync("missing-source")));

    [Fact]
    public async Task A_reference_to_an_output_the_module_lacks_fails()
        => Assert.Equal(
            ["examples/e/outputs.tf: module.m.nope: module \"m\" (modules/m) declares no output \"nope\""],
            ReferenceCheck.Run(await FixtureTrees.GetAsync("unknown-output")));

    [Fact]
    public async Task References_to_undeclared_variables_and_locals_fail()
        => Assert.Equal(
            [
                "modules/m/main.tf: local.nmae names no local of modules/m",
                "modules/m/main.tf: var.regoin names no variable of modules/m",
            ],
            ReferenceCheck.Run(await FixtureTrees.GetAsync("unknown-variable-or-local")));

    [Fact]
    public async Task Variables_without_a_description_or_type_and_outputs_without_a_description_fail()
        => Assert.Equal(
            [
                "modules/m/variables.tf: variable \"half_validated\": validation 1 has no error_message",
                "modules/m/variables.tf: variable \"undocumented\" has no description",
                "modules/m/variables.tf: variable \"untyped\" has no type",
                "modules/m/outputs.tf: output \"undocumented\" has no description",
            ],
            DeclarationCheck.Run(await FixtureTrees.GetAsync("undocumented")));

    [Fact]
    public async Task A_templatefile_call_whose_keys_differ_from_the_template_names_fails()
        => Assert.Equal(
            [
                "modules/m/main.tf: templatefile(\"templates/unit.service.tftpl\") passes \"extra\", which the template does not use",
                "modules/m/main.tf: templatefile(\"templates/unit.service.tftpl\") does not pass \"data_dir\", which the template uses",
            ],
            TemplateCheck.Run(await FixtureTrees.GetAsync("template-key-mismatch")));

    [Fact]
    public async Task Template_directives_expressions_and_unrendered_templates_fail()
        => Assert.Equal(
            [
                // ${upper(token)} is no plain name, so the template does not count as using "token".
                "modules/m/main.tf: templatefile(\"templates/unit.service.tftpl\") passes \"token\", which the template does not use",
                "modules/m/templates/unit.service.tftpl line 3: %{ if token != \"\" } is a directive; templates take only plain ${name} interpolations",
                "modules/m/templates/unit.service.tftpl line 3: ${upper(token)} is not a plain ${name} interpolation",
                "modules/m/templates/unit.service.tftpl line 3: %{ endif } is a directive; templates take only plain ${name} interpolations",
                "modules/m/templates/unused.tftpl is rendered by no templatefile call of modules/m",
            ],
            TemplateCheck.Run(await FixtureTrees.GetAsync("template-directive")));

    [Fact]
    public async Task A_unit_passing_an_option_the_cli_lacks_fails()
    {
        var failures = ExecStartCheck.Run(await FixtureTrees.GetAsync("unknown-option"), await CliHelp.OfThisBuildAsync());

        Assert.StartsWith(
            "modules/m/main.tf: templatefile(\"templates/cloud-init.yaml.tftpl\") renders \"ExecStart=/opt/edgecache/edgecache edge --listen EXAMPLE_LISTEN --no-such-option 1\": edgecache edge has no option --no-such-option (its --help lists ",
            Assert.Single(failures));
    }

    [Fact]
    public async Task A_unit_running_an_unknown_command_or_another_program_fails()
    {
        var failures = ExecStartCheck.Run(await FixtureTrees.GetAsync("unknown-command"), await CliHelp.OfThisBuildAsync());

        Assert.Collection(
            failures,
            failure => Assert.StartsWith("modules/m/main.tf: templatefile(\"templates/cache.service.tftpl\") renders \"ExecStart=/opt/edgecache/edgecache cache-server --listen http://0.0.0.0:8080\": edgecache has no command \"cache-server\" (its --help lists ", failure),
            failure => Assert.Equal("modules/m/main.tf: templatefile(\"templates/other.service.tftpl\") renders \"ExecStart=/usr/local/bin/edgecache edge --listen http://0.0.0.0:8080\": it runs /usr/local/bin/edgecache, not /opt/edgecache/edgecache", failure));
    }

    [Fact]
    public async Task Modules_that_start_no_origin_fail()
        => Assert.Equal(
            ["no template under modules/ renders \"ExecStart=/opt/edgecache/edgecache origin ...\": the modules must start edgecache origin"],
            ExecStartCheck.MissingServers(await FixtureTrees.GetAsync("unknown-option")));

    [Fact]
    public async Task A_tfvars_example_setting_an_undeclared_variable_fails()
        => Assert.Equal(
            ["examples/e/terraform.tfvars.example sets \"regoin\", which examples/e does not declare"],
            TfvarsExampleCheck.Run(await FixtureTrees.GetAsync("tfvars-undeclared")));
}
