namespace EdgeCache.Deploy.Tests.Terraform;

public sealed class TemplateTextTests
{
    [Fact]
    public void Plain_interpolations_are_its_names_and_escapes_render_literally()
    {
        var template = TemplateText.Parse("a ${listen} $${HOME} %%{x} ${ region } ${listen}");

        Assert.Empty(template.Problems);
        Assert.Equal(["listen", "region"], template.Names.Order(StringComparer.Ordinal));
        Assert.Equal("a L ${HOME} %{x} R L", template.Render(new Dictionary<string, string> { ["listen"] = "L", ["region"] = "R" }));
    }

    [Fact]
    public void A_name_without_a_value_renders_as_written()
        => Assert.Equal("a ${b}", TemplateText.Parse("a ${b}").Render(new Dictionary<string, string>()));

    [Fact]
    public void Directives_and_expressions_are_problems_with_their_line()
    {
        var template = TemplateText.Parse("one\n%{ for x in xs }${x}%{ endfor }\n${upper(name)}\n${unclosed");

        Assert.Equal(
            [
                "line 2: %{ for x in xs } is a directive; templates take only plain ${name} interpolations",
                "line 2: %{ endfor } is a directive; templates take only plain ${name} interpolations",
                "line 3: ${upper(name)} is not a plain ${name} interpolation",
                "line 4: ${unclosed is not a plain ${name} interpolation",
            ],
            template.Problems);
        Assert.Equal(["x"], template.Names);
    }
}
