using EdgeCache.Deploy.Tests.Terraform;

namespace EdgeCache.Deploy.Tests.Checks;

/// <summary>One templatefile call of the tree and the text it renders.</summary>
internal sealed record RenderedTemplate(TerraformDirectory Directory, TerraformFile File, TemplateFileCall Call, string Text);

/// <summary>
/// Renders the tree's templatefile calls as Terraform would, with sample values: each key becomes EXAMPLE_KEY, except
/// a key whose value is itself <c>templatefile(...)</c> or <c>base64encode(templatefile(...))</c>, which becomes that
/// template's rendering (not base64-encoded, so a cloud-init rendering shows the systemd unit it installs).
/// </summary>
internal static class TemplateRendering
{
    /// <summary>Every call in the tree no other call renders (those show up inside their caller's rendering), rendered.</summary>
    public static IEnumerable<RenderedTemplate> Outermost(TerraformTree tree)
        => tree.Directories.SelectMany(directory => Calls(directory)
            .Where(found => !found.Call.IsRenderedByAnotherCall)
            .Select(found => Render(directory, found.Call) is { } text ? new RenderedTemplate(directory, found.File, found.Call, text) : null)
            .OfType<RenderedTemplate>());

    /// <summary>Every templatefile call in the directory's expressions, nested ones included.</summary>
    public static IEnumerable<(TerraformFile File, TemplateFileCall Call)> Calls(TerraformDirectory directory)
        => directory.Expressions().SelectMany(found => TemplateFileCallScanner.CallsIn(found.Expression).Select(call => (found.File, call)));

    /// <summary>The file a call renders, when its path follows the conventions.</summary>
    public static string? TemplateFile(TerraformDirectory directory, TemplateFileCall call)
        => call.TemplatePath is null ? null : Path.Combine(directory.FullPath, call.TemplatePath);

    /// <summary>The call's rendering; null when its template file is missing (TemplateCheck says so).</summary>
    public static string? Render(TerraformDirectory directory, TemplateFileCall call)
    {
        var file = TemplateFile(directory, call);
        if (file is null || !File.Exists(file))
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var argument in call.Arguments)
        {
            values[argument.Key] = (argument.Template is { } inner ? Render(directory, inner) : null)
                ?? "EXAMPLE_" + argument.Key.Replace('-', '_').ToUpperInvariant();
        }

        return TemplateText.Parse(File.ReadAllText(file)).Render(values);
    }
}
