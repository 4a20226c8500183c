namespace EdgeCache.Deploy.Tests.Terraform;

public sealed class HclExpressionTests
{
    [Fact]
    public void Literal_text_and_escapes_are_not_code()
    {
        var expression = HclExpression.Of("edge-$${var.region}-${var.id}%%{x}");

        Assert.Equal("                    ${var.id}     ", expression.Code);
    }

    [Fact]
    public void String_contents_and_comments_are_blanked_but_nested_interpolations_stay_code()
    {
        var expression = HclExpression.OfCode("f(\"a)${var.x}\\\"b\", 1) # (\n/* ) */ g() // module.x.y");

        Assert.Equal("${f(\"  ${var.x}   \", 1)    \n        g()" + new string(' ', 14) + "\n}", expression.Code);
    }

    [Fact]
    public void Heredoc_bodies_are_blanked_and_their_interpolations_stay_code()
    {
        var expression = HclExpression.OfCode("jsonencode(<<-EOT\n  a ) ${var.z}\n  EOT\n)");

        Assert.Equal("${jsonencode(" + new string(' ', 13) + "${var.z}" + new string(' ', 6) + "\n)\n}", expression.Code);
    }

    [Fact]
    public void Brackets_match_across_strings_that_hold_brackets()
    {
        var expression = HclExpression.OfCode("f(\"(\", { a = \"}\" })");

        Assert.Equal(expression.Code.Length - 3, expression.MatchingClose(3));
    }
}
