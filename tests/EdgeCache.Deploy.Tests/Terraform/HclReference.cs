using System.Text.RegularExpressions;

namespace EdgeCache.Deploy.Tests.Terraform;

/// <summary>
/// A reference to a variable (<c>var.NAME</c>), a local (<c>local.NAME</c>) or a module call's output
/// (<c>module.NAME.OUTPUT</c>, <c>module.NAME[0].OUTPUT</c>, <c>module.NAME[*].OUTPUT</c>; <see cref="Attribute"/>
/// is null for the whole module, as in <c>depends_on</c> or <c>values(module.NAME)</c>).
/// </summary>
internal sealed partial record HclReference(string Kind, string Name, string? Attribute)
{
    public const string Variable = "var";
    public const string Local = "local";
    public const string Module = "module";

    public override string ToString() => Attribute is null ? $"{Kind}.{Name}" : $"{Kind}.{Name}.{Attribute}";

    /// <summary>Every reference in the expression's code (never in its literal text, strings or comments).</summary>
    public static IEnumerable<HclReference> In(HclExpression expression)
    {
        var code = expression.Code;
        foreach (Match reference in Start().Matches(code))
        {
            var kind = reference.Groups["kind"].Value;
            var name = reference.Groups["name"].Value;
            if (kind != Module)
            {
                yield return new HclReference(kind, name, null);
                continue;
            }

            // Past index brackets and splats to the output's name, if one is named.
            var position = reference.Index + reference.Length;
            while (position < code.Length && code[position] == '[')
            {
                var close = expression.MatchingClose(position);
                position = close < 0 ? code.Length : close + 1;
            }

            var output = OutputName().Match(code, position);
            yield return new HclReference(kind, name, output.Success ? output.Groups["name"].Value : null);
        }
    }

    // Not after a '.' (each.value.var.x) nor inside a dashed name (my-var.x); after a lone minus (-var.x) it is one.
    [GeneratedRegex(@"(?<![\w.])(?<!\w-)(?<kind>var|local|module)\.(?<name>[A-Za-z_][\w-]*)")]
    private static partial Regex Start();

    [GeneratedRegex(@"\G\.(?:\*\.)?(?<name>[A-Za-z_][\w-]*)")]
    private static partial Regex OutputName();
}
