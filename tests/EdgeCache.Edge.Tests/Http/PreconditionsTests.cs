using EdgeCache.Edge.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Tests.Http;

public sealed class PreconditionsTests
{
    private static readonly DateTimeOffset Date = new(2025, 3, 14, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LastModified = Date.AddDays(-1);

    /// <summary>A stored 200 with a strong ETag, a Last-Modified a day before its Date.</summary>
    private static readonly Validators Stored = new("\"v1\"", LastModified, Date);

    private static string Http(DateTimeOffset value) => HeaderUtilities.FormatDate(value);

    private static HeaderDictionary Request(params (string Name, StringValues Value)[] fields)
    {
        var headers = new HeaderDictionary();
        foreach (var (name, value) in fields)
        {
            headers[name] = value;
        }

        return headers;
    }

    private static PreconditionOutcome Evaluate(Validators stored, params (string Name, StringValues Value)[] fields)
        => Preconditions.Evaluate(Request(fields), stored, isGetOrHead: true);

    private static PreconditionOutcome EvaluateUnsafe(Validators stored, params (string Name, StringValues Value)[] fields)
        => Preconditions.Evaluate(Request(fields), stored, isGetOrHead: false);

    [Fact]
    public void Without_preconditions_the_request_proceeds()
    {
        Assert.Equal(PreconditionOutcome.Proceed, Evaluate(Stored));
        Assert.Equal(PreconditionOutcome.Proceed, EvaluateUnsafe(Stored));
        Assert.Equal(PreconditionOutcome.Proceed, Evaluate(default));
    }

    // If-Match

    [Theory]
    [InlineData("\"v1\"")]
    [InlineData("\"v0\", \"v1\"")]
    [InlineData("*")]
    public void If_Match_that_strongly_matches_proceeds(string ifMatch)
    {
        Assert.Equal(PreconditionOutcome.Proceed, Evaluate(Stored, (HeaderNames.IfMatch, ifMatch)));
        Assert.Equal(PreconditionOutcome.Proceed, EvaluateUnsafe(Stored, (HeaderNames.IfMatch, ifMatch)));
    }

    [Theory]
    [InlineData("\"v2\"")]
    [InlineData("W/\"v1\"")]
    [InlineData("\"V1\"")]
    [InlineData("\"v2\", \"v3\"")]
    public void If_Match_that_does_not_strongly_match_fails(string ifMatch)
    {
        Assert.Equal(PreconditionOutcome.PreconditionFailed, Evaluate(Stored, (HeaderNames.IfMatch, ifMatch)));
        Assert.Equal(PreconditionOutcome.PreconditionFailed, EvaluateUnsafe(Stored, (HeaderNames.IfMatch, ifMatch)));
    }

    [Fact]
    public void If_Match_never_matches_a_weak_stored_tag()
    {
        var weak = Stored with { ETag = "W/\"v1\"" };

        Assert.Equal(PreconditionOutcome.PreconditionFailed, Evaluate(weak, (HeaderNames.IfMatch, "W/\"v1\"")));
        Assert.Equal(PreconditionOutcome.PreconditionFailed, Evaluate(weak, (HeaderNames.IfMatch, "\"v1\"")));
        Assert.Equal(PreconditionOutcome.Proceed, Evaluate(weak, (HeaderNames.IfMatch, "*")));
    }

    [Fact]
    public void If_Match_fails_when_the_stored_response_has_no_ETag_unless_it_is_a_star()
    {
        var untagged = Stored with { ETag = null };

        Assert.Equal(PreconditionOutcome.PreconditionFailed, Evaluate(untagged, (HeaderNames.IfMatch, "\"v1\"")));
        Assert.Equal(PreconditionOutcome.Proceed, Evaluate(untagged, (HeaderNames.IfMatch, "*")));
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("\"v1\", v2")]
    [InlineData("*, \"v1\"")]
    [InlineData("\"v1")]
    public void A_malformed_If_Match_fails(string ifMatch)
    {
        Assert.Equal(PreconditionOutcome.PreconditionFailed, Evaluate(Stored, (HeaderNames.IfMatch, ifMatch)));
    }

    [Fact]
    public void An_empty_If_Match_is_ignored()
    {
        Assert.Equal(PreconditionOutcome.Proceed, Evaluate(Stored, (HeaderNames.IfMatch, " ")));
        Assert.Equal(
            PreconditionOutcome.PreconditionFailed,
            Evaluate(Stored, (HeaderNames.IfMatch, ""), (HeaderNames.IfUnmodifiedSince, Http(LastModified.AddSeconds(-1)))));
    }

    [Fact]
    public void If_Match_members_may_span_several_field_lines()
    {
        Assert.Equal(PreconditionOutcome.Proceed, Evaluate(Stored, (HeaderNames.IfMatch, new StringValues(["\"v0\"", "\"v1\""]))));
    }

    // If-Unmodified-Since

    [Theory]
    [InlineData(0, nameof(PreconditionOutcome.Proceed))]
    [InlineData(1, nameof(PreconditionOutcome.Proceed))]
    [InlineData(86400, nameof(PreconditionOutcome.Proceed))]
    [InlineData(-1, nameof(PreconditionOutcome.PreconditionFailed))]
    [InlineData(-86400, nameof(PreconditionOutcome.PreconditionFailed))]
    public void If_Unmodified_Since_fails_when_Last_Modified_is_later(int offsetSeconds, string expectedName)
    {
        var expected = Enum.Parse<PreconditionOutcome>(expectedName);
        var since = Http(LastModified.AddSeconds(offsetSeconds));

        Assert.Equal(expected, Evaluate(Stored, (HeaderNames.IfUnmodifiedSince, since)));
        Assert.Equal(expected, EvaluateUnsafe(Stored, (HeaderNames.IfUnmodifiedSince, since)));
    }

    [Fact]
    public void If_Unmodified_Since_compares_whole_seconds()
    {
        var stored = Stored with { LastModified = LastModified.AddMilliseconds(900) };

        Assert.Equal(PreconditionOutcome.Proceed, Evaluate(stored, (HeaderNames.IfUnmodifiedSince, Http(LastModified))));
    }

    [Fact]
    public void If_Match_takes_precedence_over_If_Unmodified_Since()
    {
        var tooEarly = Http(LastModified.AddHours(-1));

        Assert.Equal(
            PreconditionOutcome.Proceed,
            Evaluate(Stored, (HeaderNames.IfMatch, "\"v1\""), (HeaderNames.IfUnmodifiedSince, tooEarly)));
        Assert.Equal(
            PreconditionOutcome.PreconditionFailed,
            Evaluate(Stored, (HeaderNames.IfMatch, "\"v2\""), (HeaderNames.IfUnmodifiedSince, Http(Date))));
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("")]
    [InlineData("1741953600")]
    [InlineData("Thu, 13 Mar 2025 11:00:00 GMT, Thu, 13 Mar 2025 11:00:00 GMT")]
    public void An_invalid_If_Unmodified_Since_is_ignored(string since)
    {
        Assert.Equal(PreconditionOutcome.Proceed, Evaluate(Stored, (HeaderNames.IfUnmodifiedSince, since)));
    }

    [Fact]
    public void If_Unmodified_Since_on_several_field_lines_is_ignored()
    {
        var tooEarly = Http(LastModified.AddHours(-1));

        Assert.Equal(
            PreconditionOutcome.Proceed,
            Evaluate(Stored, (HeaderNames.IfUnmodifiedSince, new StringValues([tooEarly, tooEarly]))));
    }

    [Fact]
    public void If_Unmodified_Since_is_ignored_without_Last_Modified()
    {
        var undated = Stored with { LastModified = null };

        Assert.Equal(
            PreconditionOutcome.Proceed,
            Evaluate(undated, (HeaderNames.IfUnmodifiedSince, Http(Date.AddDays(-30)))));
    }

    // If-None-Match

    [Theory]
    [InlineData("\"v1\"", "\"v1\"")]
    [InlineData("W/\"v1\"", "\"v1\"")]
    [InlineData("\"v1\"", "W/\"v1\"")]
    [InlineData("W/\"v1\"", "W/\"v1\"")]
    [InlineData("\"v0\", \"v1\", \"v2\"", "\"v1\"")]
    [InlineData(" \"v0\" ,W/\"v1\"", "\"v1\"")]
    [InlineData("*", "\"v1\"")]
    [InlineData("*", null)]
    public void If_None_Match_that_weakly_matches_is_not_modified(string ifNoneMatch, string? storedTag)
    {
        var stored = Stored with { ETag = storedTag };

        Assert.Equal(PreconditionOutcome.NotModified, Evaluate(stored, (HeaderNames.IfNoneMatch, ifNoneMatch)));
    }

    [Theory]
    [InlineData("\"v2\"", "\"v1\"")]
    [InlineData("\"v2\", W/\"v3\"", "\"v1\"")]
    [InlineData("\"V1\"", "\"v1\"")]
    [InlineData("\"v1\"", null)]
    [InlineData("\"v1\"", "v1")]
    public void If_None_Match_that_does_not_match_proceeds(string ifNoneMatch, string? storedTag)
    {
        var stored = Stored with { ETag = storedTag };

        Assert.Equal(PreconditionOutcome.Proceed, Evaluate(stored, (HeaderNames.IfNoneMatch, ifNoneMatch)));
        Assert.Equal(PreconditionOutcome.Proceed, EvaluateUnsafe(stored, (HeaderNames.IfNoneMatch, ifNoneMatch)));
    }

    [Theory]
    [InlineData("\"v1\"")]
    [InlineData("W/\"v1\"")]
    [InlineData("*")]
    public void If_None_Match_that_matches_fails_for_other_methods(string ifNoneMatch)
    {
        Assert.Equal(PreconditionOutcome.PreconditionFailed, EvaluateUnsafe(Stored, (HeaderNames.IfNoneMatch, ifNoneMatch)));
    }

    [Fact]
    public void If_None_Match_members_may_span_several_field_lines()
    {
        var lines = new StringValues(["\"a\", \"b\"", "W/\"v1\""]);

        Assert.Equal(PreconditionOutcome.NotModified, Evaluate(Stored, (HeaderNames.IfNoneMatch, lines)));
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("\"v1\", v1")]
    [InlineData("w/\"v1\"")]
    [InlineData("\"v1")]
    [InlineData("*, \"v1\"")]
    public void A_malformed_If_None_Match_matches_nothing(string ifNoneMatch)
    {
        Assert.Equal(PreconditionOutcome.Proceed, Evaluate(Stored, (HeaderNames.IfNoneMatch, ifNoneMatch)));
    }

    [Fact]
    public void A_malformed_If_None_Match_still_overrides_If_Modified_Since()
    {
        Assert.Equal(
            PreconditionOutcome.Proceed,
            Evaluate(Stored, (HeaderNames.IfNoneMatch, "v1"), (HeaderNames.IfModifiedSince, Http(Date))));
    }

    [Fact]
    public void An_empty_If_None_Match_is_ignored()
    {
        Assert.Equal(
            PreconditionOutcome.NotModified,
            Evaluate(Stored, (HeaderNames.IfNoneMatch, ""), (HeaderNames.IfModifiedSince, Http(Date))));
    }

    [Fact]
    public void If_None_Match_takes_precedence_over_If_Modified_Since()
    {
        // A matching tag wins over a date that says "modified"...
        Assert.Equal(
            PreconditionOutcome.NotModified,
            Evaluate(Stored, (HeaderNames.IfNoneMatch, "\"v1\""), (HeaderNames.IfModifiedSince, Http(LastModified.AddDays(-1)))));

        // ...and a tag that does not match wins over a date that says "not modified".
        Assert.Equal(
            PreconditionOutcome.Proceed,
            Evaluate(Stored, (HeaderNames.IfNoneMatch, "\"v0\""), (HeaderNames.IfModifiedSince, Http(Date))));
    }

    [Fact]
    public void If_Match_is_evaluated_before_If_None_Match()
    {
        Assert.Equal(
            PreconditionOutcome.PreconditionFailed,
            Evaluate(Stored, (HeaderNames.IfMatch, "\"v2\""), (HeaderNames.IfNoneMatch, "\"v1\"")));
        Assert.Equal(
            PreconditionOutcome.NotModified,
            Evaluate(Stored, (HeaderNames.IfMatch, "\"v1\""), (HeaderNames.IfNoneMatch, "\"v1\"")));
    }

    [Fact]
    public void If_Unmodified_Since_is_evaluated_before_If_None_Match()
    {
        Assert.Equal(
            PreconditionOutcome.PreconditionFailed,
            Evaluate(Stored, (HeaderNames.IfUnmodifiedSince, Http(LastModified.AddSeconds(-1))), (HeaderNames.IfNoneMatch, "\"v1\"")));
        Assert.Equal(
            PreconditionOutcome.PreconditionFailed,
            Evaluate(Stored, (HeaderNames.IfUnmodifiedSince, Http(LastModified.AddSeconds(-1))), (HeaderNames.IfModifiedSince, Http(Date))));
    }

    // If-Modified-Since

    [Theory]
    [InlineData(0, nameof(PreconditionOutcome.NotModified))]
    [InlineData(1, nameof(PreconditionOutcome.NotModified))]
    [InlineData(3600, nameof(PreconditionOutcome.NotModified))]
    [InlineData(-1, nameof(PreconditionOutcome.Proceed))]
    [InlineData(-3600, nameof(PreconditionOutcome.Proceed))]
    public void If_Modified_Since_is_not_modified_unless_Last_Modified_is_later(int offsetSeconds, string expectedName)
    {
        var expected = Enum.Parse<PreconditionOutcome>(expectedName);

        Assert.Equal(expected, Evaluate(Stored, (HeaderNames.IfModifiedSince, Http(LastModified.AddSeconds(offsetSeconds)))));
    }

    [Fact]
    public void If_Modified_Since_compares_whole_seconds()
    {
        var stored = Stored with { LastModified = LastModified.AddMilliseconds(900) };

        Assert.Equal(PreconditionOutcome.NotModified, Evaluate(stored, (HeaderNames.IfModifiedSince, Http(LastModified))));
    }

    [Fact]
    public void If_Modified_Since_is_ignored_for_other_methods()
    {
        Assert.Equal(PreconditionOutcome.Proceed, EvaluateUnsafe(Stored, (HeaderNames.IfModifiedSince, Http(Date))));
    }

    [Theory]
    [InlineData(0, nameof(PreconditionOutcome.NotModified))]
    [InlineData(60, nameof(PreconditionOutcome.NotModified))]
    [InlineData(-1, nameof(PreconditionOutcome.Proceed))]
    public void If_Modified_Since_falls_back_to_Date_without_Last_Modified(int offsetSeconds, string expectedName)
    {
        var expected = Enum.Parse<PreconditionOutcome>(expectedName);
        var undated = Stored with { LastModified = null };

        Assert.Equal(expected, Evaluate(undated, (HeaderNames.IfModifiedSince, Http(Date.AddSeconds(offsetSeconds)))));
    }

    [Fact]
    public void If_Modified_Since_prefers_Last_Modified_to_Date()
    {
        // Between the two: Last-Modified says "not modified" where Date would say "modified".
        Assert.Equal(PreconditionOutcome.NotModified, Evaluate(Stored, (HeaderNames.IfModifiedSince, Http(Date.AddHours(-1)))));
    }

    [Fact]
    public void If_Modified_Since_is_ignored_with_neither_Last_Modified_nor_Date()
    {
        var bare = new Validators("\"v1\"", null, null);

        Assert.Equal(PreconditionOutcome.Proceed, Evaluate(bare, (HeaderNames.IfModifiedSince, Http(Date.AddYears(1)))));
    }

    [Theory]
    [InlineData("tomorrow")]
    [InlineData("")]
    [InlineData("Fri, 14 Mar 2025 12:00:00 GMT, Fri, 14 Mar 2025 12:00:00 GMT")]
    [InlineData("Fri, 32 Mar 2025 12:00:00 GMT")]
    public void An_invalid_If_Modified_Since_is_ignored(string since)
    {
        Assert.Equal(PreconditionOutcome.Proceed, Evaluate(Stored, (HeaderNames.IfModifiedSince, since)));
    }

    [Fact]
    public void If_Modified_Since_on_several_field_lines_is_ignored()
    {
        var later = Http(Date);

        Assert.Equal(PreconditionOutcome.Proceed, Evaluate(Stored, (HeaderNames.IfModifiedSince, new StringValues([later, later]))));
    }

    [Theory]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT")]
    [InlineData("Sunday, 06-Nov-94 08:49:37 GMT")]
    [InlineData("Sun Nov  6 08:49:37 1994")]
    public void All_three_HTTP_date_formats_are_read(string since)
    {
        var stored = new Validators(null, new DateTimeOffset(1994, 11, 6, 8, 49, 37, TimeSpan.Zero), null);

        Assert.Equal(PreconditionOutcome.NotModified, Evaluate(stored, (HeaderNames.IfModifiedSince, since)));
        Assert.Equal(
            PreconditionOutcome.PreconditionFailed,
            Evaluate(stored with { LastModified = stored.LastModified!.Value.AddSeconds(1) }, (HeaderNames.IfUnmodifiedSince, since)));
    }

    // If-Range

    [Fact]
    public void Without_If_Range_a_range_may_be_honoured()
    {
        Assert.True(Preconditions.IfRangeAllows(Request(), Stored));
        Assert.True(Preconditions.IfRangeAllows(Request(), default));
    }

    [Theory]
    [InlineData("\"v1\"", "\"v1\"", true)]
    [InlineData(" \"v1\" ", "\"v1\"", true)]
    [InlineData("\"v2\"", "\"v1\"", false)]
    [InlineData("W/\"v1\"", "\"v1\"", false)]
    [InlineData("\"v1\"", "W/\"v1\"", false)]
    [InlineData("W/\"v1\"", "W/\"v1\"", false)]
    [InlineData("\"v1\"", null, false)]
    [InlineData("\"v1\"", "v1", false)]
    [InlineData("\"v1\", \"v2\"", "\"v1\"", false)]
    [InlineData("*", "\"v1\"", false)]
    [InlineData("v1", "v1", false)]
    public void If_Range_with_an_entity_tag_needs_a_strong_match(string ifRange, string? storedTag, bool expected)
    {
        Assert.Equal(expected, Preconditions.IfRangeAllows(Request((HeaderNames.IfRange, ifRange)), Stored with { ETag = storedTag }));
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(-1, false)]
    [InlineData(1, false)]
    public void If_Range_with_a_date_needs_exactly_Last_Modified(int offsetSeconds, bool expected)
    {
        var ifRange = Http(LastModified.AddSeconds(offsetSeconds));

        Assert.Equal(expected, Preconditions.IfRangeAllows(Request((HeaderNames.IfRange, ifRange)), Stored));
    }

    [Theory]
    [InlineData(1000, true)]
    [InlineData(1500, true)]
    [InlineData(999, false)]
    [InlineData(0, false)]
    [InlineData(-5000, false)]
    public void If_Range_with_a_date_needs_Date_a_second_after_Last_Modified(int dateAfterMilliseconds, bool expected)
    {
        var stored = Stored with { Date = LastModified.AddMilliseconds(dateAfterMilliseconds) };

        Assert.Equal(expected, Preconditions.IfRangeAllows(Request((HeaderNames.IfRange, Http(LastModified))), stored));
    }

    [Fact]
    public void If_Range_with_a_date_is_false_without_Last_Modified_or_Date()
    {
        var ifRange = Request((HeaderNames.IfRange, Http(LastModified)));

        Assert.False(Preconditions.IfRangeAllows(ifRange, Stored with { Date = null }));
        Assert.False(Preconditions.IfRangeAllows(ifRange, Stored with { LastModified = null }));
    }

    [Fact]
    public void If_Range_ignores_the_ETag_when_given_a_date()
    {
        var stored = Stored with { ETag = "\"other\"" };

        Assert.True(Preconditions.IfRangeAllows(Request((HeaderNames.IfRange, Http(LastModified))), stored));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("yesterday")]
    [InlineData("W/")]
    [InlineData("\"v1")]
    public void A_malformed_If_Range_is_false(string ifRange)
    {
        Assert.False(Preconditions.IfRangeAllows(Request((HeaderNames.IfRange, ifRange)), Stored));
    }

    [Fact]
    public void If_Range_on_several_field_lines_is_false()
    {
        Assert.False(Preconditions.IfRangeAllows(Request((HeaderNames.IfRange, new StringValues(["\"v1\"", "\"v1\""]))), Stored));
    }

    [Fact]
    public void If_Range_reads_an_rfc850_date()
    {
        var stored = new Validators(null, new DateTimeOffset(1994, 11, 6, 8, 49, 37, TimeSpan.Zero), new DateTimeOffset(1994, 11, 7, 0, 0, 0, TimeSpan.Zero));

        Assert.True(Preconditions.IfRangeAllows(Request((HeaderNames.IfRange, "Sunday, 06-Nov-94 08:49:37 GMT")), stored));
    }

    // 304 header fields

    [Theory]
    [InlineData("Cache-Control")]
    [InlineData("cache-control")]
    [InlineData("Content-Location")]
    [InlineData("Date")]
    [InlineData("DATE")]
    [InlineData("ETag")]
    [InlineData("etag")]
    [InlineData("Expires")]
    [InlineData("Vary")]
    [InlineData("Last-Modified")]
    public void Validator_and_cache_fields_belong_in_a_304(string name)
    {
        Assert.True(Preconditions.BelongsInNotModified(name));
    }

    [Theory]
    [InlineData("Content-Type")]
    [InlineData("Content-Length")]
    [InlineData("Content-Encoding")]
    [InlineData("Content-Range")]
    [InlineData("Transfer-Encoding")]
    [InlineData("Set-Cookie")]
    [InlineData("Age")]
    [InlineData("X-ETag")]
    [InlineData("Dates")]
    [InlineData("")]
    public void Representation_metadata_stays_out_of_a_304(string name)
    {
        Assert.False(Preconditions.BelongsInNotModified(name));
    }
}
