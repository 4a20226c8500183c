namespace EdgeCache.Deploy.Tests.Terraform;

public sealed class TemplateFileCallScannerTests
{
    [Fact]
    public void A_call_is_taken_apart_into_its_template_and_its_keys()
    {
        var call = Assert.Single(Calls("templatefile(\"${path.module}/templates/unit.service.tftpl\", { listen = var.listen, \"region\" = \"eu\" })"));

        Assert.Empty(call.Problems);
        Assert.Equal("templates/unit.service.tftpl", call.TemplatePath);
        Assert.Equal([("listen", "var.listen"), ("region", "\"eu\"")], call.Arguments.Select(argument => (argument.Key, argument.Value)));
        Assert.False(call.IsRenderedByAnotherCall);
    }

    [Fact]
    public void Items_may_end_with_newlines_or_commas_and_comments_and_strings_hold_any_bracket()
    {
        var call = Assert.Single(Calls("""
            templatefile(
              "${path.module}/templates/x.tftpl",
              {
                a = "q(\"}," # a comment with } and ,
                b = { c = 1, d = [1, 2] } // another )
                /* { */ e: format("%s)", var.x),
              }
            )
            """));

        Assert.Empty(call.Problems);
        Assert.Equal(
            [("a", "\"q(\\\"},\""), ("b", "{ c = 1, d = [1, 2] }"), ("e", "format(\"%s)\", var.x)")],
            call.Arguments.Select(argument => (argument.Key, argument.Value)));
    }

    [Fact]
    public void A_value_that_is_a_templatefile_call_is_rendered_by_its_caller()
    {
        var calls = Calls("""
            templatefile("${path.module}/templates/cloud-init.yaml.tftpl", {
              unit_b64 = base64encode(templatefile("${path.module}/templates/edge.service.tftpl", { listen = var.listen }))
              unit     = templatefile("${path.module}/templates/origin.service.tftpl", {})
              indented = indent(2, templatefile("${path.module}/templates/dns.service.tftpl", {}))
            })
            """);

        Assert.Equal(
            ["templates/cloud-init.yaml.tftpl", "templates/edge.service.tftpl", "templates/origin.service.tftpl", "templates/dns.service.tftpl"],
            calls.Select(call => call.TemplatePath));
        Assert.Equal([false, true, true, false], calls.Select(call => call.IsRenderedByAnotherCall));
        var outer = calls[0];
        Assert.Equal("templates/edge.service.tftpl", outer.Arguments[0].Template?.TemplatePath);
        Assert.Equal("listen", Assert.Single(outer.Arguments[0].Template!.Arguments).Key);
        Assert.Equal("templates/origin.service.tftpl", outer.Arguments[1].Template?.TemplatePath);
        Assert.Null(outer.Arguments[2].Template);
    }

    [Fact]
    public void The_text_hcl2json_writes_for_a_multi_line_call_scans()
    {
        // As hcl2json 0.21.0 wrote a locals value: expression source kept verbatim inside ${...}.
        var calls = TemplateFileCallScanner.CallsIn(HclExpression.Of(
            "${templatefile(\"${path.module}/templates/cloud-init.yaml.tftpl\", {\n    region   = var.region\n    unit_b64 = base64encode(templatefile(\"${path.module}/templates/edgecache-edge.service.tftpl\", {\n      listen = \"http://0.0.0.0:${var.port}\" # comment with } brace\n      origin = module.origin.url // another ) comment\n    }))\n    /* block { comment */\n    \"quoted\" = \"x\"\n  })}"));

        Assert.Equal(2, calls.Count);
        Assert.All(calls, call => Assert.Empty(call.Problems));
        Assert.Equal(["region", "unit_b64", "quoted"], calls[0].Arguments.Select(argument => argument.Key));
        Assert.Equal(["listen", "origin"], calls[1].Arguments.Select(argument => argument.Key));
        Assert.Equal("module.origin.url", calls[1].Arguments[1].Value);
    }

    [Fact]
    public void Templatefile_in_a_string_or_a_comment_is_no_call()
        => Assert.Empty(Calls("\"templatefile(x)\" # templatefile(y)\n"));

    [Theory]
    [InlineData("templatefile(\"templates/x.tftpl\", {})", "the path must be written \"${path.module}/templates/<name>.tftpl\", not \"templates/x.tftpl\"")]
    [InlineData("templatefile(\"${path.module}/x.tftpl\", {})", "the path must be written \"${path.module}/templates/<name>.tftpl\", not \"${path.module}/x.tftpl\"")]
    [InlineData("templatefile(\"${path.module}/templates/x.tftpl\", local.vars)", "the variables must be an inline object literal { key = value, ... }, not local.vars")]
    [InlineData("templatefile(\"${path.module}/templates/x.tftpl\", { for k, v in var.m : k => v })", "the variables must be an inline object literal, not a for expression")]
    [InlineData("templatefile(\"${path.module}/templates/x.tftpl\", { (var.k) = 1 })", "the key (var.k) is not a plain name")]
    [InlineData("templatefile(\"${path.module}/templates/x.tftpl\")", "templatefile takes a path and an object literal, not 1 argument(s)")]
    [InlineData("templatefile(\"${path.module}/templates/x.tftpl\", {", "templatefile( is never closed")]
    public void A_call_that_strays_from_the_conventions_has_a_problem(string source, string problem)
        => Assert.Equal([problem], Assert.Single(Calls(source)).Problems);

    private static IReadOnlyList<TemplateFileCall> Calls(string source) => TemplateFileCallScanner.CallsIn(HclExpression.OfCode(source));
}
