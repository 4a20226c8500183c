using System.Text;
using EdgeCache.Edge.Caching;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Tests.Caching;

/// <summary>
/// The span-based normal form against the string-based one it replaced (kept here verbatim as the
/// reference), over generated header values: member order, whitespace, parameters, duplicates, case,
/// empty members, several lines, and values longer than the stack buffers.
/// </summary>
public sealed class VaryNormalFormTests
{
    private static readonly string[] Names = ["accept", "accept-encoding", "accept-language", "accept-charset", "x-mode", "cookie"];

    // Letters whose invariant lower case is not ASCII, a surrogate pair (Deseret) and ß, which has no single-char upper case.
    private static readonly string[] Tokens =
        ["gzip", "GZip", "br", "deflate", "zstd", "identity", "*", "en-US", "de-CH", "text/html", "*/*", "utf-8",
         "İstanbul", "\u212Aelvin", "ÀÉÎ", "\U00010400x", "ß", "a", "A", "b", "B", "x=y", "a b"];

    // Space and tab are what compaction keys on; the other whitespace is only trimmed, or kept.
    private static readonly string[] Blanks = ["", "", " ", "  ", "\t", " \t ", "\u00A0", "\v", "\u2003"];

    private static readonly string[] ParameterNames = ["q", "Q", "level", "charset", ""];
    private static readonly string[] ParameterValues = ["0.5", "1", "", "UTF-8", "a b", "=x"];

    [Fact]
    public void Normalize_gives_what_the_string_based_normal_form_gave()
    {
        var random = new Random(20240611);
        for (var i = 0; i < 20_000; i++)
        {
            var name = Pick(random, Names);
            var values = Spell(random, Members(random, random.Next(0, 8)), name);

            Assert.Equal(ReferenceNormalize(name, values), VaryKey.Normalize(name, values));
        }
    }

    [Fact]
    public void Matches_agrees_with_equal_normal_forms()
    {
        var random = new Random(7);
        var matched = 0;
        const int Cases = 20_000;
        for (var i = 0; i < Cases; i++)
        {
            var name = Pick(random, Names);
            var members = Members(random, random.Next(0, 8));
            var stored = Spell(random, members, name);

            // Mostly the same members spelt again (reordered, re-spaced, re-cased), sometimes other ones.
            var asked = random.Next(4) == 0
                ? Spell(random, Members(random, random.Next(0, 8)), name)
                : Spell(random, members, name);

            var key = VaryKey.Create(name, Request(name, stored));
            var expected = ReferenceNormalize(name, asked) == ReferenceNormalize(name, stored);
            Assert.True(expected == key.Matches(Request(name, asked)), $"{name}: [{Show(stored)}] against [{Show(asked)}], expected {expected}");
            matched += expected ? 1 : 0;
        }

        // Both outcomes are exercised in earnest.
        Assert.InRange(matched, Cases / 5, Cases * 4 / 5);
    }

    [Fact]
    public void Values_longer_than_the_stack_buffers_are_normalised_and_matched_the_same()
    {
        var random = new Random(11);
        for (var i = 0; i < 300; i++)
        {
            var name = Pick(random, Names);
            // Hundreds of members: past the stack's room for chars and members, and past insertion sort.
            var members = Members(random, random.Next(33, 400));
            var stored = Spell(random, members, name);
            var asked = Spell(random, members, name);

            Assert.Equal(ReferenceNormalize(name, stored), VaryKey.Normalize(name, stored));
            var expected = ReferenceNormalize(name, asked) == ReferenceNormalize(name, stored);
            Assert.Equal(expected, VaryKey.Create(name, Request(name, stored)).Matches(Request(name, asked)));
        }

        var single = new string('x', 5000) + " ; Q = 1";
        Assert.Equal(ReferenceNormalize("accept", single), VaryKey.Normalize("accept", single));
    }

    [Fact]
    public void A_normal_form_is_its_own_normal_form()
    {
        // Matches skips formatting when the request already sends the stored string; that is sound only if this holds.
        var random = new Random(3);
        for (var i = 0; i < 20_000; i++)
        {
            var name = Pick(random, Names);
            var normal = VaryKey.Normalize(name, Spell(random, Members(random, random.Next(0, 8)), name));

            Assert.Equal(normal, VaryKey.Normalize(name, normal));
        }
    }

    [Theory]
    [InlineData("accept-encoding", new[] { "gzip, deflate, br, zstd" }, "br, deflate, gzip, zstd")]
    [InlineData("accept-encoding", new[] { "gzip", "", " , br,,gzip" }, "br, gzip, gzip")]
    [InlineData("accept", new[] { "Text/HTML ; Q = 0.9 ; level=1,*/*;q=0.1" }, "*/*;q=0.1, text/html;q=0.9;level=1")]
    [InlineData("accept", new[] { "a;q=1\u00A0;b" }, "a;q=1\u00A0;b")]
    [InlineData("accept", new[] { "a ;\u00A0q\u00A0=\u00A01" }, "a;q=1")]
    [InlineData("x-mode", new[] { " B ; x = 1 ,a" }, "B;x=1, a")]
    [InlineData("x-mode", new[] { "a; = b" }, "a;= b")]
    [InlineData("accept-language", new[] { " " }, "")]
    public void Examples(string name, string[] lines, string normal)
    {
        Assert.Equal(normal, VaryKey.Normalize(name, lines));
        Assert.Equal(ReferenceNormalize(name, lines), VaryKey.Normalize(name, lines));
    }

    [Fact]
    public void A_header_line_without_a_value_is_an_empty_value_not_an_absent_one()
    {
        var lines = new StringValues([null]);

        Assert.Equal("", VaryKey.Normalize("accept-encoding", lines));
        Assert.False(VaryKey.Create("accept-encoding", new HeaderDictionary()).Matches(Request("accept-encoding", lines)));
        Assert.True(VaryKey.Create("accept-encoding", Request("accept-encoding", "")).Matches(Request("accept-encoding", lines)));
    }

    private static HeaderDictionary Request(string name, StringValues lines) => new() { [name] = lines };

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];

    /// <summary>Members as token and parameters (name, value; a null value is a parameter without <c>=</c>).</summary>
    private static List<(string Token, List<(string Name, string? Value)> Parameters)> Members(Random random, int count)
    {
        var members = new List<(string, List<(string, string?)>)>();
        for (var i = 0; i < count; i++)
        {
            var parameters = new List<(string, string?)>();
            var parameterCount = random.Next(4) == 0 ? random.Next(1, 3) : 0;
            for (var j = 0; j < parameterCount; j++)
            {
                parameters.Add((Pick(random, ParameterNames), random.Next(5) == 0 ? null : Pick(random, ParameterValues)));
            }

            var member = (Pick(random, Tokens), parameters);
            members.Add(member);
            if (random.Next(8) == 0)
            {
                members.Add(member);
            }
        }

        return members;
    }

    /// <summary>Writes the members as header lines, each time with other whitespace, order, case and line breaks.</summary>
    private static StringValues Spell(Random random, List<(string Token, List<(string Name, string? Value)> Parameters)> members, string name)
    {
        var order = members.ToList();
        var negotiation = name.StartsWith("accept", StringComparison.Ordinal);
        if (negotiation)
        {
            random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(order));
        }

        var lines = new List<string?>();
        var line = new StringBuilder();
        foreach (var (token, parameters) in order)
        {
            if (line.Length > 0 || random.Next(6) == 0)
            {
                line.Append(Pick(random, Blanks)).Append(',').Append(Pick(random, Blanks));
            }

            if (random.Next(10) == 0)
            {
                line.Append(Pick(random, Blanks)).Append(',');
            }

            line.Append(Pick(random, Blanks)).Append(Case(random, token, negotiation));
            foreach (var (parameter, value) in parameters)
            {
                line.Append(Pick(random, Blanks)).Append(';').Append(Pick(random, Blanks)).Append(Case(random, parameter, negotiation));
                if (value is not null)
                {
                    line.Append(Pick(random, Blanks)).Append('=').Append(Pick(random, Blanks)).Append(Case(random, value, negotiation));
                }
            }

            line.Append(Pick(random, Blanks));
            if (random.Next(5) == 0)
            {
                lines.Add(line.ToString());
                line.Clear();
            }
        }

        if (line.Length > 0 || lines.Count == 0 || random.Next(4) == 0)
        {
            lines.Add(random.Next(30) == 0 && line.Length == 0 ? null : line.ToString());
        }

        return random.Next(40) == 0 && members.Count == 0 ? StringValues.Empty : new StringValues([.. lines]);
    }

    /// <summary>Changes case only where it carries no meaning, so spellings of the same members mostly match.</summary>
    private static string Case(Random random, string text, bool negotiation)
        => !negotiation ? text : random.Next(3) switch
        {
            0 => text.ToUpperInvariant(),
            1 => text.ToLowerInvariant(),
            _ => text,
        };

    private static string Show(StringValues values)
        => string.Join(" | ", values.Select(v => v is null ? "(null)" : string.Concat(v.Select(c => c is >= ' ' and < '\u007f' ? c.ToString() : $"\\u{(int)c:X4}"))));

    /// <summary>The normal form as <c>VaryKey.Normalize</c> built it with strings before it became span-based, verbatim.</summary>
    private static string? ReferenceNormalize(string name, StringValues values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var members = new List<string>();
        foreach (var line in values)
        {
            foreach (var member in (line ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                members.Add(CompactParameters(member));
            }
        }

        if (name is "accept" or "accept-encoding" or "accept-language" or "accept-charset")
        {
            for (var i = 0; i < members.Count; i++)
            {
                members[i] = members[i].ToLowerInvariant();
            }

            members.Sort(StringComparer.Ordinal);
        }

        return string.Join(", ", members);

        static string CompactParameters(string member)
        {
            if (member.IndexOfAny([' ', '\t']) < 0)
            {
                return member;
            }

            var parts = member.Split(';', StringSplitOptions.TrimEntries);
            for (var i = 0; i < parts.Length; i++)
            {
                var equals = parts[i].IndexOf('=');
                if (equals > 0)
                {
                    parts[i] = parts[i][..equals].TrimEnd() + "=" + parts[i][(equals + 1)..].TrimStart();
                }
            }

            return string.Join(';', parts);
        }
    }
}
