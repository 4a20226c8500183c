namespace EdgeCache.Deploy.Tests.Terraform;

/// <summary>
/// One <c>templatefile("${path.module}/templates/NAME.tftpl", { key = value, ... })</c> call found in an expression.
/// <see cref="Problems"/> says where the call strays from that form; <see cref="TemplatePath"/> is null when its path does.
/// </summary>
internal sealed record TemplateFileCall(int Start, string? TemplatePath, IReadOnlyList<TemplateArgument> Arguments, IReadOnlyList<string> Problems)
{
    /// <summary>True when another call passes this one's rendering as a value, so its text shows up in that call's rendering.</summary>
    public bool IsRenderedByAnotherCall { get; init; }

    /// <summary>How failure messages name the call.</summary>
    public string Name => TemplatePath is null ? "templatefile(...)" : $"templatefile(\"{TemplatePath}\")";
}

/// <summary>
/// One key of a templatefile call's object literal and its value's source text; <see cref="Template"/> is the call
/// inside the value when the value is <c>templatefile(...)</c> or <c>base64encode(templatefile(...))</c>.
/// </summary>
internal sealed record TemplateArgument(string Key, string Value, TemplateFileCall? Template);
