using System.Text;
using System.Text.RegularExpressions;

namespace EdgeCache.Deploy.Tests.Terraform;

/// <summary>
/// A .tftpl file as the conventions allow it: literal text and plain <c>${name}</c> interpolations, <c>$${</c> and
/// <c>%%{</c> standing for a literal <c>${</c> and <c>%{</c>. A directive (<c>%{ if }</c>, <c>%{ for }</c>) or an
/// expression inside <c>${}</c> is a <see cref="Problems"/> entry and stays in the rendering as written.
/// </summary>
internal sealed partial class TemplateText
{
    private readonly List<Part> _parts;

    private TemplateText(List<Part> parts, List<string> problems)
    {
        _parts = parts;
        Problems = problems;
        Names = parts.Select(part => part.Name).OfType<string>().ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The names the template interpolates.</summary>
    public IReadOnlySet<string> Names { get; }

    /// <summary>"line N: ..." for every directive and every interpolation that is not a plain name.</summary>
    public IReadOnlyList<string> Problems { get; }

    public static TemplateText Parse(string text)
    {
        var parts = new List<Part>();
        var problems = new List<string>();
        var literal = new StringBuilder();
        var position = 0;
        while (position < text.Length)
        {
            var c = text[position];
            var next = position + 1 < text.Length ? text[position + 1] : '\0';
            var afterNext = position + 2 < text.Length ? text[position + 2] : '\0';
            if ((c == '$' || c == '%') && next == c && afterNext == '{')
            {
                literal.Append(c).Append('{');
                position += 3;
                continue;
            }

            if ((c == '$' || c == '%') && next == '{')
            {
                var close = text.IndexOf('}', position + 2);
                var end = close < 0 ? text.Length : close + 1;
                var source = text[position..end];
                var name = PlainName().Match(source[2..^(close < 0 ? 0 : 1)]);
                if (c == '$' && close >= 0 && name.Success)
                {
                    parts.Add(new Part(literal.ToString(), null));
                    parts.Add(new Part(source, name.Groups["name"].Value));
                    literal.Clear();
                }
                else
                {
                    problems.Add(c == '%'
                        ? $"line {LineOf(text, position)}: {source} is a directive; templates take only plain ${{name}} interpolations"
                        : $"line {LineOf(text, position)}: {source} is not a plain ${{name}} interpolation");
                    literal.Append(source);
                }

                position = end;
                continue;
            }

            literal.Append(c);
            position++;
        }

        parts.Add(new Part(literal.ToString(), null));
        return new TemplateText(parts, problems);
    }

    /// <summary>The text with every <c>${name}</c> replaced by its value; a name without a value stays as written.</summary>
    public string Render(IReadOnlyDictionary<string, string> values)
    {
        var rendered = new StringBuilder();
        foreach (var part in _parts)
        {
            rendered.Append(part.Name is not null && values.TryGetValue(part.Name, out var value) ? value : part.Text);
        }

        return rendered.ToString();
    }

    private static int LineOf(string text, int position) => text.AsSpan(0, position).Count('\n') + 1;

    /// <summary>Literal text (<see cref="Name"/> null) or an interpolation of <see cref="Name"/> written as <see cref="Text"/>.</summary>
    private sealed record Part(string Text, string? Name);

    [GeneratedRegex(@"^\s*(?<name>[A-Za-z_][\w-]*)\s*$")]
    private static partial Regex PlainName();
}
