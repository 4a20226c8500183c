using System.Text;

namespace EdgeCache.Deploy.Tests.Terraform;

/// <summary>
/// One string value of hcl2json's output: a template whose <c>${...}</c> and <c>%{...}</c> parts are expression source
/// text as written (comments, heredocs and nested strings included). <see cref="Code"/> is the same text, position for
/// position, with everything that is not expression code blanked: literal template text, the contents of string literals
/// (their quotes stay, their interpolations are code again), comments and heredoc bodies. Scanning <see cref="Code"/>
/// finds references and brackets without tripping over a <c>)</c> in a comment or a <c>module.x</c> in a description.
/// </summary>
internal sealed class HclExpression
{
    private readonly StringBuilder _code;
    private readonly string _text;
    private int _position;

    private HclExpression(string text)
    {
        _text = text;
        _code = new StringBuilder(new string(' ', text.Length));
    }

    /// <summary>The text as hcl2json gives it.</summary>
    public string Text => _text;

    /// <summary><see cref="Text"/> with all that is not expression code replaced by spaces (see the type's summary).</summary>
    public string Code { get; private set; } = "";

    public static HclExpression Of(string text)
    {
        var expression = new HclExpression(text);
        expression.ScanTemplate(TemplateEnd.EndOfText, heredocMarker: null);
        expression.Code = expression._code.ToString();
        return expression;
    }

    /// <summary>Expression source text as written in a .tf file (an attribute's value), which hcl2json would wrap in <c>${...}</c>.</summary>
    /// <remarks>The newline before the closing brace ends a line comment the source may end with.</remarks>
    public static HclExpression OfCode(string source) => Of("${" + source + "\n}");

    /// <summary>The position of the bracket that closes the one at <paramref name="open"/> in <see cref="Code"/>, or -1.</summary>
    public int MatchingClose(int open)
    {
        var depth = 0;
        for (var position = open; position < Code.Length; position++)
        {
            switch (Code[position])
            {
                case '(' or '[' or '{':
                    depth++;
                    break;
                case ')' or ']' or '}':
                    depth--;
                    if (depth == 0)
                    {
                        return position;
                    }

                    break;
                default:
                    break;
            }
        }

        return -1;
    }

    private enum TemplateEnd
    {
        EndOfText,
        Quote,
        Heredoc,
    }

    private char At(int position) => position < _text.Length ? _text[position] : '\0';

    private void Keep(int position) => _code[position] = _text[position];

    private void ScanTemplate(TemplateEnd end, string? heredocMarker)
    {
        var lineStart = true;
        while (_position < _text.Length)
        {
            var c = _text[_position];
            if (end == TemplateEnd.Heredoc && lineStart && IsHeredocEnd(heredocMarker!))
            {
                // The closing marker line is not code; what follows it (a ')' or ',') is.
                while (_position < _text.Length && _text[_position] != '\n')
                {
                    _position++;
                }

                return;
            }

            lineStart = c == '\n';
            if (end == TemplateEnd.Quote && c == '"')
            {
                Keep(_position++);
                return;
            }

            if (end == TemplateEnd.Quote && c == '\\')
            {
                _position += 2;
                continue;
            }

            if ((c == '$' || c == '%') && At(_position + 1) == c && At(_position + 2) == '{')
            {
                _position += 3; // $${ and %%{ are a literal ${ and %{
                continue;
            }

            if ((c == '$' || c == '%') && At(_position + 1) == '{')
            {
                Keep(_position++);
                Keep(_position++);
                ScanCode();
                continue;
            }

            _position++;
        }
    }

    private bool IsHeredocEnd(string marker)
    {
        var lineEnd = _text.IndexOf('\n', _position);
        var line = lineEnd < 0 ? _text[_position..] : _text[_position..lineEnd];
        return line.Trim() == marker;
    }

    /// <summary>Scans code up to and including the <c>}</c> that closes the interpolation being scanned.</summary>
    private void ScanCode()
    {
        var depth = 0;
        while (_position < _text.Length)
        {
            var c = _text[_position];
            switch (c)
            {
                case '"':
                    Keep(_position++);
                    ScanTemplate(TemplateEnd.Quote, heredocMarker: null);
                    continue;
                case '#':
                    SkipLineComment();
                    continue;
                case '/' when At(_position + 1) == '/':
                    SkipLineComment();
                    continue;
                case '/' when At(_position + 1) == '*':
                    var close = _text.IndexOf("*/", _position + 2, StringComparison.Ordinal);
                    _position = close < 0 ? _text.Length : close + 2;
                    continue;
                case '<' when At(_position + 1) == '<' && TryStartHeredoc():
                    continue;
                case '(' or '[' or '{':
                    depth++;
                    break;
                case ')' or ']':
                    depth--;
                    break;
                case '}' when depth == 0:
                    Keep(_position++);
                    return;
                case '}':
                    depth--;
                    break;
                default:
                    break;
            }

            Keep(_position++);
        }
    }

    private void SkipLineComment()
    {
        // The newline ending the comment stays: it separates object items as a comma would.
        while (_position < _text.Length && _text[_position] != '\n')
        {
            _position++;
        }
    }

    /// <summary>At <c>&lt;&lt;</c>: when a heredoc header (<c>&lt;&lt;EOT</c> or <c>&lt;&lt;-EOT</c>) follows, scans the heredoc's template.</summary>
    private bool TryStartHeredoc()
    {
        var start = _position + 2;
        if (At(start) == '-')
        {
            start++;
        }

        var markerEnd = start;
        while (markerEnd < _text.Length && (char.IsAsciiLetterOrDigit(_text[markerEnd]) || _text[markerEnd] == '_'))
        {
            markerEnd++;
        }

        if (markerEnd == start || At(markerEnd) is not ('\n' or '\r'))
        {
            return false;
        }

        var marker = _text[start..markerEnd];
        _position = _text.IndexOf('\n', markerEnd) + 1;
        ScanTemplate(TemplateEnd.Heredoc, marker);
        return true;
    }
}
