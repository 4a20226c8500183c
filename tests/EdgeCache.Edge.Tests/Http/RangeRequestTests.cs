using System.Globalization;
using System.Text;
using EdgeCache.Edge.Http;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Tests.Http;

public sealed class RangeRequestTests
{
    /// <summary>Writes ranges the way a client spells them, <c>first-last</c>, comma separated.</summary>
    private static string Spell(ByteRange[] ranges)
    {
        var text = new StringBuilder();
        foreach (var range in ranges)
        {
            text.Append(text.Length == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $"{range.Start}-{range.End}");
        }

        return text.ToString();
    }

    [Theory]
    [InlineData("bytes=0-99", 1000, "0-99")]
    [InlineData("bytes=0-", 1000, "0-999")]
    [InlineData("bytes=999-", 1000, "999-999")]
    [InlineData("bytes=-100", 1000, "900-999")]
    [InlineData("bytes=-1000", 1000, "0-999")]
    [InlineData("bytes=-2000", 1000, "0-999")]
    [InlineData("bytes=500-2000", 1000, "500-999")]
    [InlineData("bytes=0-0", 1, "0-0")]
    [InlineData("bytes=-1", 1, "0-0")]
    [InlineData("bytes=00-007", 1000, "0-7")]
    [InlineData("bytes=0-0,-1", 1000, "0-0,999-999")]
    [InlineData("BYTES=1-2", 1000, "1-2")]
    [InlineData("Bytes=1-2", 1000, "1-2")]
    [InlineData("bytes= 1-2", 1000, "1-2")]
    [InlineData("  bytes=1-2  ", 1000, "1-2")]
    [InlineData("bytes=1-2 , 5-6", 1000, "1-2,5-6")]
    [InlineData("bytes=1-2\t,\t5-6", 1000, "1-2,5-6")]
    [InlineData("bytes=1-2,5-6,", 1000, "1-2,5-6")]
    [InlineData("bytes=,1-2", 1000, "1-2")]
    [InlineData("bytes=0-1,,5-6", 1000, "0-1,5-6")]
    [InlineData("bytes=0-1, ,5-6", 1000, "0-1,5-6")]
    public void Valid_ranges_resolve_against_the_length(string header, long length, string expected)
    {
        var outcome = RangeRequest.Evaluate(header, length, out var ranges);

        Assert.Equal(RangeOutcome.Satisfiable, outcome);
        Assert.Equal(expected, Spell(ranges));
    }

    [Theory]
    [InlineData("bytes=0-99999999999999999999999", 1000, "0-999")]
    [InlineData("bytes=0-9223372036854775807", 1000, "0-999")]
    [InlineData("bytes=-99999999999999999999999", 1000, "0-999")]
    [InlineData("bytes=-9223372036854775807", 1000, "0-999")]
    [InlineData("bytes=9223372036854775806-", 9223372036854775807, "9223372036854775806-9223372036854775806")]
    [InlineData("bytes=0-", 9223372036854775807, "0-9223372036854775806")]
    [InlineData("bytes=-5", 9223372036854775807, "9223372036854775802-9223372036854775806")]
    public void Huge_numbers_saturate_instead_of_overflowing(string header, long length, string expected)
    {
        var outcome = RangeRequest.Evaluate(header, length, out var ranges);

        Assert.Equal(RangeOutcome.Satisfiable, outcome);
        Assert.Equal(expected, Spell(ranges));
    }

    [Theory]
    [InlineData("bytes=9-9,0-0", "9-9,0-0")]
    [InlineData("bytes=500-599,0-99", "500-599,0-99")]
    [InlineData("bytes=0-0,1-1", "0-0,1-1")]
    [InlineData("bytes=-1,0-0", "999-999,0-0")]
    public void Ranges_without_overlap_keep_the_client_order(string header, string expected)
    {
        var outcome = RangeRequest.Evaluate(header, 1000, out var ranges);

        Assert.Equal(RangeOutcome.Satisfiable, outcome);
        Assert.Equal(expected, Spell(ranges));
    }

    [Theory]
    [InlineData("bytes=0-5,3-8", "0-8")]
    [InlineData("bytes=3-8,0-5", "0-8")]
    [InlineData("bytes=0-0,0-0", "0-0")]
    [InlineData("bytes=0-99,10-19", "0-99")]
    [InlineData("bytes=500-600,0-10,5-20", "0-20,500-600")]
    [InlineData("bytes=10-20,0-5,4-9", "0-20")]
    [InlineData("bytes=900-,-50", "900-999")]
    [InlineData("bytes=0-,-1", "0-999")]
    [InlineData("bytes=50-59,0-9,5-14,15-19", "0-19,50-59")]
    public void Overlapping_ranges_are_sorted_and_merged_with_their_neighbours(string header, string expected)
    {
        var outcome = RangeRequest.Evaluate(header, 1000, out var ranges);

        Assert.Equal(RangeOutcome.Satisfiable, outcome);
        Assert.Equal(expected, Spell(ranges));
    }

    [Theory]
    [InlineData("bytes=1000-,0-1", "0-1")]
    [InlineData("bytes=5-9,-0,2000-3000", "5-9")]
    [InlineData("bytes=99999999999999999999-,998-", "998-999")]
    public void Unsatisfiable_members_are_dropped(string header, string expected)
    {
        var outcome = RangeRequest.Evaluate(header, 1000, out var ranges);

        Assert.Equal(RangeOutcome.Satisfiable, outcome);
        Assert.Equal(expected, Spell(ranges));
    }

    [Theory]
    [InlineData("bytes=1000-", 1000)]
    [InlineData("bytes=1000-1000", 1000)]
    [InlineData("bytes=1000-2000", 1000)]
    [InlineData("bytes=-0", 1000)]
    [InlineData("bytes=-000", 1000)]
    [InlineData("bytes=1000-,2000-,-0", 1000)]
    [InlineData("bytes=9223372036854775807-", 1000)]
    [InlineData("bytes=99999999999999999999-", 1000)]
    [InlineData("bytes=99999999999999999998-99999999999999999999", 1000)]
    [InlineData("bytes=0-0", 0)]
    [InlineData("bytes=0-", 0)]
    [InlineData("bytes=-1", 0)]
    [InlineData("bytes=-1,0-0", 0)]
    public void A_valid_header_with_no_satisfiable_member_is_unsatisfiable(string header, long length)
    {
        var outcome = RangeRequest.Evaluate(header, length, out var ranges);

        Assert.Equal(RangeOutcome.Unsatisfiable, outcome);
        Assert.Empty(ranges);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("bytes")]
    [InlineData("bytes=")]
    [InlineData("bytes=  ")]
    [InlineData("bytes=,")]
    [InlineData("bytes=, ,")]
    [InlineData("bytes=5-2")]
    [InlineData("bytes=0-1,5-2")]
    [InlineData("bytes=5-2,1000-")]
    [InlineData("bytes=99999999999999999999-99999999999999999998")]
    [InlineData("items=0-1")]
    [InlineData("byte=0-1")]
    [InlineData("bytesx=0-1")]
    [InlineData("bytes =0-1")]
    [InlineData("bytes:0-1")]
    [InlineData("=0-1")]
    [InlineData("bytes=0 -1")]
    [InlineData("bytes=0- 1")]
    [InlineData("bytes=0-1 2-3")]
    [InlineData("bytes=0-1;2-3")]
    [InlineData("bytes=-")]
    [InlineData("bytes=--1")]
    [InlineData("bytes=-1-2")]
    [InlineData("bytes=1-2-3")]
    [InlineData("bytes=1")]
    [InlineData("bytes=a-b")]
    [InlineData("bytes=0x1-2")]
    [InlineData("bytes=+1-2")]
    [InlineData("bytes=1-+2")]
    [InlineData("bytes=1.5-2")]
    [InlineData("bytes=\u0661-\u0662")]
    [InlineData("bytes=0-1,x")]
    public void An_invalid_or_foreign_header_is_ignored(string header)
    {
        var outcome = RangeRequest.Evaluate(header, 1000, out var ranges);

        Assert.Equal(RangeOutcome.Ignore, outcome);
        Assert.Empty(ranges);
    }

    [Fact]
    public void An_absent_header_is_ignored()
    {
        Assert.Equal(RangeOutcome.Ignore, RangeRequest.Evaluate(StringValues.Empty, 1000, out var ranges));
        Assert.Empty(ranges);
    }

    [Fact]
    public void More_than_one_header_line_is_ignored()
    {
        var outcome = RangeRequest.Evaluate(new StringValues(["bytes=0-1", "bytes=5-6"]), 1000, out var ranges);

        Assert.Equal(RangeOutcome.Ignore, outcome);
        Assert.Empty(ranges);
    }

    [Fact]
    public void Up_to_MaxRanges_ranges_are_served()
    {
        var outcome = RangeRequest.Evaluate(ManyRanges(RangeRequest.MaxRanges), 1000, out var ranges);

        Assert.Equal(RangeOutcome.Satisfiable, outcome);
        Assert.Equal(RangeRequest.MaxRanges, ranges.Length);
        Assert.Equal(new ByteRange(0, 1), ranges[0]);
        Assert.Equal(new ByteRange((RangeRequest.MaxRanges - 1) * 10, 1), ranges[^1]);
    }

    [Fact]
    public void More_than_MaxRanges_ranges_are_ignored_even_when_they_would_merge()
    {
        Assert.Equal(RangeOutcome.Ignore, RangeRequest.Evaluate(ManyRanges(RangeRequest.MaxRanges + 1), 1000, out var ranges));
        Assert.Empty(ranges);

        var repeated = "bytes=" + string.Join(',', Enumerable.Repeat("0-0", RangeRequest.MaxRanges + 1));
        Assert.Equal(RangeOutcome.Ignore, RangeRequest.Evaluate(repeated, 1000, out _));
    }

    [Fact]
    public void Unsatisfiable_members_count_towards_MaxRanges()
    {
        var header = ManyRanges(RangeRequest.MaxRanges) + ",5000-";

        Assert.Equal(RangeOutcome.Ignore, RangeRequest.Evaluate(header, 1000, out _));
    }

    [Fact]
    public void Empty_list_elements_do_not_count_towards_MaxRanges()
    {
        var header = ManyRanges(RangeRequest.MaxRanges).Replace(",", ",,", StringComparison.Ordinal) + ",,";

        Assert.Equal(RangeOutcome.Satisfiable, RangeRequest.Evaluate(header, 1000, out var ranges));
        Assert.Equal(RangeRequest.MaxRanges, ranges.Length);
    }

    [Fact]
    public void A_negative_length_is_a_caller_bug()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RangeRequest.Evaluate("bytes=0-1", -1, out _));
    }

    /// <summary><c>bytes=0-0,10-10,20-20,...</c>: disjoint single bytes.</summary>
    private static string ManyRanges(int count)
    {
        var header = new StringBuilder("bytes=");
        for (var i = 0; i < count; i++)
        {
            header.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $"{i * 10}-{i * 10}");
        }

        return header.ToString();
    }
}
