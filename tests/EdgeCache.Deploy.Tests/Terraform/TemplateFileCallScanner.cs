using System.Text.RegularExpressions;

namespace EdgeCache.Deploy.Tests.Terraform;

/// <summary>
/// Finds <c>templatefile(...)</c> calls in an <see cref="HclExpression"/> and takes them apart. It is tolerant rather than
/// a parser: brackets are matched on <see cref="HclExpression.Code"/>, where strings, comments and heredocs are blanked,
/// so a <c>)</c> or <c>,</c> inside them never ends an argument; whatever does not fit the conventions becomes a problem
/// of the call instead of an exception.
/// </summary>
internal static partial class TemplateFileCallScanner
{
    public static IReadOnlyList<TemplateFileCall> CallsIn(HclExpression expression)
    {
        var calls = CallName().Matches(expression.Code)
            .Select(name => Parse(expression, name.Index, name.Index + name.Length - 1))
            .ToList();
        var rendered = calls
            .SelectMany(call => call.Arguments)
            .Select(argument => argument.Template?.Start)
            .OfType<int>()
            .ToHashSet();
        return calls.Select(call => rendered.Contains(call.Start) ? call with { IsRenderedByAnotherCall = true } : call).ToList();
    }

    private static TemplateFileCall Parse(HclExpression expression, int start, int open)
    {
        var close = expression.MatchingClose(open);
        if (close < 0)
        {
            return new TemplateFileCall(start, null, [], ["templatefile( is never closed"]);
        }

        var arguments = Split(expression, open + 1, close, newlineSeparates: false);
        if (arguments.Count != 2)
        {
            return new TemplateFileCall(start, null, [], [$"templatefile takes a path and an object literal, not {arguments.Count} argument(s)"]);
        }

        var problems = new List<string>();
        var pathSource = expression.Text[arguments[0].Start..arguments[0].End];
        var path = TemplatePath().Match(pathSource);
        if (!path.Success)
        {
            problems.Add($"the path must be written \"${{path.module}}/templates/<name>.tftpl\", not {pathSource}");
        }

        var values = ParseObject(expression, arguments[1], problems);
        return new TemplateFileCall(start, path.Success ? path.Groups["path"].Value : null, values, problems);
    }

    private static List<TemplateArgument> ParseObject(HclExpression expression, Span span, List<string> problems)
    {
        var code = expression.Code;
        if (code[span.Start] != '{' || expression.MatchingClose(span.Start) != span.End - 1)
        {
            problems.Add($"the variables must be an inline object literal {{ key = value, ... }}, not {Shorten(expression.Text[span.Start..span.End])}");
            return [];
        }

        if (ForExpression().IsMatch(code[(span.Start + 1)..span.End]))
        {
            problems.Add("the variables must be an inline object literal, not a for expression");
            return [];
        }

        var values = new List<TemplateArgument>();
        foreach (var item in Split(expression, span.Start + 1, span.End - 1, newlineSeparates: true))
        {
            var separator = KeySeparator(code, item);
            if (separator < 0)
            {
                problems.Add($"{Shorten(expression.Text[item.Start..item.End])} is not a key = value item");
                continue;
            }

            var keySource = expression.Text[item.Start..separator].Trim();
            var key = ObjectKey().Match(keySource);
            if (!key.Success)
            {
                problems.Add($"the key {keySource} is not a plain name");
                continue;
            }

            var value = Trim(code, new Span(separator + 1, item.End));
            values.Add(new TemplateArgument(
                key.Groups["name"].Value,
                expression.Text[value.Start..value.End],
                RenderedTemplate(expression, value)));
        }

        return values;
    }

    /// <summary>The call a value consists of: <c>templatefile(...)</c> or <c>base64encode(templatefile(...))</c>, nothing around it.</summary>
    private static TemplateFileCall? RenderedTemplate(HclExpression expression, Span value)
    {
        var code = expression.Code[value.Start..value.End];
        var encoded = Base64EncodeCall().Match(code);
        if (encoded.Success)
        {
            var open = value.Start + encoded.Length - 1;
            if (expression.MatchingClose(open) != value.End - 1)
            {
                return null;
            }

            value = Trim(expression.Code, new Span(open + 1, value.End - 1));
            code = expression.Code[value.Start..value.End];
        }

        var call = CallName().Match(code);
        if (!call.Success || call.Index != 0)
        {
            return null;
        }

        var callOpen = value.Start + call.Length - 1;
        return expression.MatchingClose(callOpen) == value.End - 1 ? Parse(expression, value.Start, callOpen) : null;
    }

    /// <summary>The position of the <c>=</c> or <c>:</c> after an item's key, at the item's own bracket depth; -1 when none.</summary>
    private static int KeySeparator(string code, Span item)
    {
        var depth = 0;
        for (var position = item.Start; position < item.End; position++)
        {
            switch (code[position])
            {
                case '(' or '[' or '{':
                    depth++;
                    break;
                case ')' or ']' or '}':
                    depth--;
                    break;
                case ':' when depth == 0:
                    return position;
                case '=' when depth == 0 && position + 1 < code.Length && code[position + 1] is not ('=' or '>'):
                    return position;
                default:
                    break;
            }
        }

        return -1;
    }

    /// <summary>
    /// Splits <c>[from, to)</c> at commas on its own bracket depth (and at newlines: object items may end with one
    /// instead of a comma), trimmed, blank pieces (a trailing comma, a comment line) left out.
    /// </summary>
    private static List<Span> Split(HclExpression expression, int from, int to, bool newlineSeparates)
    {
        var code = expression.Code;
        var pieces = new List<Span>();
        var depth = 0;
        var pieceStart = from;
        for (var position = from; position <= to; position++)
        {
            var c = position < to ? code[position] : ',';
            switch (c)
            {
                case '(' or '[' or '{':
                    depth++;
                    break;
                case ')' or ']' or '}':
                    depth--;
                    break;
                case ',' or '\n' when depth == 0 && (c == ',' || newlineSeparates):
                    var piece = Trim(code, new Span(pieceStart, position));
                    if (piece.End > piece.Start)
                    {
                        pieces.Add(piece);
                    }

                    pieceStart = position + 1;
                    break;
                default:
                    break;
            }
        }

        return pieces;
    }

    private static Span Trim(string code, Span span)
    {
        var (start, end) = (span.Start, span.End);
        while (start < end && char.IsWhiteSpace(code[start]))
        {
            start++;
        }

        while (end > start && char.IsWhiteSpace(code[end - 1]))
        {
            end--;
        }

        return new Span(start, end);
    }

    private static string Shorten(string source)
    {
        var oneLine = string.Join(' ', source.Split((char[])['\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return oneLine.Length <= 60 ? oneLine : oneLine[..57] + "...";
    }

    private readonly record struct Span(int Start, int End);

    [GeneratedRegex(@"(?<![\w.-])templatefile\s*\(")]
    private static partial Regex CallName();

    [GeneratedRegex(@"^base64encode\s*\(")]
    private static partial Regex Base64EncodeCall();

    [GeneratedRegex(@"^""\$\{path\.module\}/(?<path>templates/[^""$%/]+\.tftpl)""$")]
    private static partial Regex TemplatePath();

    [GeneratedRegex(@"^(?<name>[A-Za-z_][\w-]*)$|^""(?<name>[A-Za-z_][\w-]*)""$")]
    private static partial Regex ObjectKey();

    [GeneratedRegex(@"^\s*for\s")]
    private static partial Regex ForExpression();
}
