using EdgeCache.Edge.Http;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Tests.Http;

public sealed class EntityTagTests
{
    // Parsing

    [Theory]
    [InlineData("\"xyzzy\"", "\"xyzzy\"", false)]
    [InlineData("W/\"xyzzy\"", "\"xyzzy\"", true)]
    [InlineData("\"\"", "\"\"", false)]
    [InlineData("W/\"\"", "\"\"", true)]
    [InlineData(" \t\"a!#~\"\t ", "\"a!#~\"", false)]
    [InlineData("\"W/x\"", "\"W/x\"", false)]
    [InlineData("\"a\\b\"", "\"a\\b\"", false)]
    [InlineData("\"abcdef\u00fc\"", "\"abcdef\u00fc\"", false)]
    public void A_valid_entity_tag_parses(string value, string opaqueTag, bool isWeak)
    {
        Assert.True(EntityTag.TryParse(value, out var tag));
        Assert.Equal(opaqueTag, tag.OpaqueTag.ToString());
        Assert.Equal(isWeak, tag.IsWeak);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("xyzzy")]
    [InlineData("\"xyzzy")]
    [InlineData("xyzzy\"")]
    [InlineData("\"")]
    [InlineData("w/\"xyzzy\"")]
    [InlineData("W\"xyzzy\"")]
    [InlineData("W\\\"xyzzy\"")]
    [InlineData("W/ \"xyzzy\"")]
    [InlineData("W/xyzzy")]
    [InlineData("W/")]
    [InlineData("\"a b\"")]
    [InlineData("\"a\tb\"")]
    [InlineData("\"a\u007Fb\"")]
    [InlineData("\"a\"\"b\"")]
    [InlineData("\"a\"b")]
    [InlineData("\"a\", \"b\"")]
    [InlineData("*")]
    public void A_malformed_entity_tag_does_not_parse(string value)
    {
        Assert.False(EntityTag.TryParse(value, out var tag));
        Assert.True(tag.OpaqueTag.IsEmpty);
    }

    [Fact]
    public void A_null_value_does_not_parse()
    {
        Assert.False(EntityTag.TryParse((string?)null, out _));
    }

    // Comparison (the table of RFC 9110 section 8.8.3.2)

    [Theory]
    [InlineData("W/\"1\"", "W/\"1\"", false, true)]
    [InlineData("W/\"1\"", "W/\"2\"", false, false)]
    [InlineData("W/\"1\"", "\"1\"", false, true)]
    [InlineData("\"1\"", "\"1\"", true, true)]
    [InlineData("\"1\"", "\"2\"", false, false)]
    [InlineData("\"1\"", "W/\"1\"", false, true)]
    public void Comparison_follows_the_RFC_table(string left, string right, bool strong, bool weak)
    {
        Assert.True(EntityTag.TryParse(left, out var a));
        Assert.True(EntityTag.TryParse(right, out var b));

        Assert.Equal(strong, a.Matches(b, EntityTagComparison.Strong));
        Assert.Equal(strong, b.Matches(a, EntityTagComparison.Strong));
        Assert.Equal(weak, a.Matches(b, EntityTagComparison.Weak));
        Assert.Equal(weak, b.Matches(a, EntityTagComparison.Weak));
    }

    [Fact]
    public void Weak_comparison_ignores_the_weak_prefix()
    {
        Assert.True(EntityTag.TryParse("W/\"v1\"", out var weak));
        Assert.True(EntityTag.TryParse("\"v1\"", out var strong));

        Assert.True(weak.Matches(strong, EntityTagComparison.Weak));
        Assert.False(weak.Matches(strong, EntityTagComparison.Strong));
    }

    [Fact]
    public void Strong_comparison_needs_both_tags_strong_even_when_identical()
    {
        Assert.True(EntityTag.TryParse("W/\"v1\"", out var a));
        Assert.True(EntityTag.TryParse("W/\"v1\"", out var b));

        Assert.False(a.Matches(b, EntityTagComparison.Strong));
    }

    [Theory]
    [InlineData(nameof(EntityTagComparison.Strong))]
    [InlineData(nameof(EntityTagComparison.Weak))]
    public void Opaque_tags_compare_case_sensitively(string comparisonName)
    {
        var comparison = Enum.Parse<EntityTagComparison>(comparisonName);
        Assert.True(EntityTag.TryParse("\"abc\"", out var a));
        Assert.True(EntityTag.TryParse("\"ABC\"", out var b));

        Assert.False(a.Matches(b, comparison));
    }

    // Lists (If-Match / If-None-Match)

    [Theory]
    [InlineData("\"abc\"", nameof(EntityTagListMatch.Match))]
    [InlineData("\"abc\", \"1234\", \"5678\"", nameof(EntityTagListMatch.Match))]
    [InlineData("\"1234\", \"abc\", \"5678\"", nameof(EntityTagListMatch.Match))]
    [InlineData("\"1234\", \"5678\", \"abc\"", nameof(EntityTagListMatch.Match))]
    [InlineData("\"1234\",\"abc\"", nameof(EntityTagListMatch.Match))]
    [InlineData("  \"1234\" \t,\t \"abc\"  ", nameof(EntityTagListMatch.Match))]
    [InlineData("\"1234\", , ,\"abc\",", nameof(EntityTagListMatch.Match))]
    [InlineData(", \"abc\"", nameof(EntityTagListMatch.Match))]
    [InlineData("\"1234\", \"5678\"", nameof(EntityTagListMatch.NoMatch))]
    [InlineData("\"ABC\"", nameof(EntityTagListMatch.NoMatch))]
    [InlineData("\"abc\" \"1234\"", nameof(EntityTagListMatch.Malformed))]
    [InlineData("\"abc\"\"1234\"", nameof(EntityTagListMatch.Malformed))]
    [InlineData("abc", nameof(EntityTagListMatch.Malformed))]
    [InlineData("\"abc", nameof(EntityTagListMatch.Malformed))]
    [InlineData("\"1234\", abc", nameof(EntityTagListMatch.Malformed))]
    [InlineData("\"abc\", garbage", nameof(EntityTagListMatch.Malformed))]
    [InlineData("\"abc\"; q=1", nameof(EntityTagListMatch.Malformed))]
    [InlineData("w/\"abc\"", nameof(EntityTagListMatch.Malformed))]
    [InlineData("", nameof(EntityTagListMatch.Absent))]
    [InlineData(" , ,\t", nameof(EntityTagListMatch.Absent))]
    public void A_list_matches_when_any_member_does(string field, string expected)
    {
        Assert.Equal(Enum.Parse<EntityTagListMatch>(expected), EntityTag.MatchList(field, "\"abc\"", EntityTagComparison.Strong));
    }

    [Theory]
    [InlineData("W/\"abc\"", "\"abc\"", nameof(EntityTagComparison.Weak), nameof(EntityTagListMatch.Match))]
    [InlineData("\"abc\"", "W/\"abc\"", nameof(EntityTagComparison.Weak), nameof(EntityTagListMatch.Match))]
    [InlineData("W/\"abc\"", "W/\"abc\"", nameof(EntityTagComparison.Weak), nameof(EntityTagListMatch.Match))]
    [InlineData("W/\"abc\"", "\"abc\"", nameof(EntityTagComparison.Strong), nameof(EntityTagListMatch.NoMatch))]
    [InlineData("\"abc\"", "W/\"abc\"", nameof(EntityTagComparison.Strong), nameof(EntityTagListMatch.NoMatch))]
    [InlineData("W/\"abc\"", "W/\"abc\"", nameof(EntityTagComparison.Strong), nameof(EntityTagListMatch.NoMatch))]
    [InlineData("W/\"x\", \"abc\"", "\"abc\"", nameof(EntityTagComparison.Strong), nameof(EntityTagListMatch.Match))]
    public void A_list_compares_members_as_asked(string field, string current, string comparison, string expected)
    {
        Assert.Equal(
            Enum.Parse<EntityTagListMatch>(expected),
            EntityTag.MatchList(field, current, Enum.Parse<EntityTagComparison>(comparison)));
    }

    [Fact]
    public void Members_on_several_field_lines_form_one_list()
    {
        var lines = new StringValues(["\"1\", \"2\"", " \"3\" ", "W/\"abc\""]);

        Assert.Equal(EntityTagListMatch.Match, EntityTag.MatchList(lines, "\"abc\"", EntityTagComparison.Weak));
        Assert.Equal(EntityTagListMatch.NoMatch, EntityTag.MatchList(lines, "\"4\"", EntityTagComparison.Weak));
    }

    [Fact]
    public void A_malformed_member_on_any_line_makes_the_field_malformed()
    {
        var lines = new StringValues(["\"abc\"", "junk"]);

        Assert.Equal(EntityTagListMatch.Malformed, EntityTag.MatchList(lines, "\"abc\"", EntityTagComparison.Weak));
    }

    [Fact]
    public void Empty_and_missing_field_lines_are_absent()
    {
        Assert.Equal(EntityTagListMatch.Absent, EntityTag.MatchList(StringValues.Empty, "\"abc\"", EntityTagComparison.Weak));
        Assert.Equal(EntityTagListMatch.Absent, EntityTag.MatchList(new StringValues(["", " "]), "\"abc\"", EntityTagComparison.Weak));
        Assert.Equal(EntityTagListMatch.Absent, EntityTag.MatchList(new StringValues((string?)null), "\"abc\"", EntityTagComparison.Weak));
    }

    [Theory]
    [InlineData("*")]
    [InlineData(" * ")]
    [InlineData("*,")]
    public void A_star_matches_any_current_representation(string field)
    {
        Assert.Equal(EntityTagListMatch.Match, EntityTag.MatchList(field, "\"abc\"", EntityTagComparison.Strong));
        Assert.Equal(EntityTagListMatch.Match, EntityTag.MatchList(field, "W/\"abc\"", EntityTagComparison.Strong));
        Assert.Equal(EntityTagListMatch.Match, EntityTag.MatchList(field, null, EntityTagComparison.Weak));
        Assert.Equal(EntityTagListMatch.Match, EntityTag.MatchList(field, "unquoted", EntityTagComparison.Weak));
    }

    [Theory]
    [InlineData("*, \"abc\"")]
    [InlineData("\"abc\", *")]
    [InlineData("*, *")]
    [InlineData("**")]
    [InlineData("*abc")]
    public void A_star_beside_other_members_is_malformed(string field)
    {
        Assert.Equal(EntityTagListMatch.Malformed, EntityTag.MatchList(field, "\"abc\"", EntityTagComparison.Weak));
    }

    [Fact]
    public void A_star_on_its_own_line_beside_tags_is_malformed()
    {
        var lines = new StringValues(["*", "\"abc\""]);

        Assert.Equal(EntityTagListMatch.Malformed, EntityTag.MatchList(lines, "\"abc\"", EntityTagComparison.Weak));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("\"abc\", \"def\"")]
    public void A_list_matches_nothing_when_the_current_tag_is_missing_or_invalid(string? current)
    {
        Assert.Equal(EntityTagListMatch.NoMatch, EntityTag.MatchList("\"abc\", W/\"abc\"", current, EntityTagComparison.Weak));
        Assert.Equal(EntityTagListMatch.NoMatch, EntityTag.MatchList("\"abc\"", current, EntityTagComparison.Weak));
    }

    [Fact]
    public void A_current_tag_with_surrounding_whitespace_still_matches()
    {
        Assert.Equal(EntityTagListMatch.Match, EntityTag.MatchList("\"abc\"", " \"abc\" ", EntityTagComparison.Strong));
    }
}
