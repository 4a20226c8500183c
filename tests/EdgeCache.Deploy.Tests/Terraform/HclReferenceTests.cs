namespace EdgeCache.Deploy.Tests.Terraform;

public sealed class HclReferenceTests
{
    [Fact]
    public void Variables_locals_and_module_outputs_are_found_past_indexes_and_splats()
    {
        var references = HclReference.In(HclExpression.OfCode(
            "[var.a, -local.b, module.c.d, module.e[0].f, module.g[\"eu\"].h, module.i[*].j, module.k, values(module.l)[*].m, !var.n]"));

        Assert.Equal(
            ["var.a", "local.b", "module.c.d", "module.e.f", "module.g.h", "module.i.j", "module.k", "module.l", "var.n"],
            references.Select(reference => reference.ToString()));
    }

    [Fact]
    public void Text_comments_and_attributes_of_other_objects_hold_no_references()
    {
        var references = HclReference.In(HclExpression.Of("see var.a: ${each.value.var.b} ${\"module.c.d\"} ${1 # local.e\n} ${[for my-var in x : my-var.y]}"));

        Assert.Empty(references);
    }
}
