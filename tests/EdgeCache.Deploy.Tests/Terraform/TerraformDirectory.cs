using System.Text.Json;

namespace EdgeCache.Deploy.Tests.Terraform;

/// <summary>One parsed HCL file; <see cref="Path"/> is relative to the tree's root, with '/' separators, as messages show it.</summary>
internal sealed record TerraformFile(string Path, JsonElement Body);

/// <summary>One labelled block (<c>variable "x"</c>, <c>output "x"</c>, <c>module "x"</c>) and the file it is in.</summary>
internal sealed record TerraformBlock(string Name, TerraformFile File, JsonElement Body)
{
    public bool Has(string attribute) => Body.TryGetProperty(attribute, out _);

    /// <summary>The attribute when it is a non-empty literal string.</summary>
    public string? Text(string attribute)
        => Body.TryGetProperty(attribute, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;
}

/// <summary>
/// One Terraform module: a directory's .tf files taken together, as Terraform takes them, with what they declare
/// (variables, outputs, locals), the modules they call, and every expression they hold.
/// </summary>
internal sealed class TerraformDirectory
{
    public TerraformDirectory(string fullPath, string path, IReadOnlyList<TerraformFile> files, TerraformFile? tfvarsExample)
    {
        FullPath = fullPath;
        Path = path;
        Files = files;
        TfvarsExample = tfvarsExample;
        Variables = LabelledBlocks("variable");
        Outputs = LabelledBlocks("output");
        ModuleCalls = LabelledBlocks("module");
        Locals = files
            .SelectMany(file => Blocks(file.Body, "locals"))
            .SelectMany(locals => locals.EnumerateObject().Select(local => local.Name))
            .ToHashSet(StringComparer.Ordinal);
    }

    public string FullPath { get; }

    /// <summary>Relative to the tree's root, '/' separators ("modules/edge-region").</summary>
    public string Path { get; }

    /// <summary>The .tf files.</summary>
    public IReadOnlyList<TerraformFile> Files { get; }

    /// <summary>terraform.tfvars.example, when the directory has one that parsed.</summary>
    public TerraformFile? TfvarsExample { get; }

    public IReadOnlyList<TerraformBlock> Variables { get; }

    public IReadOnlyList<TerraformBlock> Outputs { get; }

    public IReadOnlyList<TerraformBlock> ModuleCalls { get; }

    public IReadOnlySet<string> Locals { get; }

    public bool DeclaresVariable(string name) => Variables.Any(variable => variable.Name == name);

    public bool DeclaresOutput(string name) => Outputs.Any(output => output.Name == name);

    /// <summary>Every string value in the .tf files: literal text, or expressions hcl2json wrote as <c>${...}</c>.</summary>
    public IEnumerable<(TerraformFile File, HclExpression Expression)> Expressions()
        => Files.SelectMany(file => Strings(file.Body).Select(text => (file, HclExpression.Of(text))));

    private List<TerraformBlock> LabelledBlocks(string type)
        => Files
            .Where(file => file.Body.TryGetProperty(type, out var blocks) && blocks.ValueKind == JsonValueKind.Object)
            .SelectMany(file => file.Body.GetProperty(type).EnumerateObject()
                .SelectMany(named => Bodies(named.Value).Select(body => new TerraformBlock(named.Name, file, body))))
            .ToList();

    /// <summary>hcl2json writes each block's body in a list (a name may be declared twice); unlabelled blocks the same way.</summary>
    private static IEnumerable<JsonElement> Blocks(JsonElement body, string type)
        => body.TryGetProperty(type, out var blocks) ? Bodies(blocks) : [];

    private static IEnumerable<JsonElement> Bodies(JsonElement blocks)
        => blocks.ValueKind == JsonValueKind.Array ? blocks.EnumerateArray() : [blocks];

    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        JsonValueKind.Object => element.EnumerateObject().SelectMany(property => Strings(property.Value)),
        _ => [],
    };
}
