using EdgeCache.Edge.Caching;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Tests.Caching;

public sealed class CacheControlDirectivesTests
{
    private static readonly TimeSpan IntMaxSeconds = TimeSpan.FromSeconds(int.MaxValue);

    [Fact]
    public void An_absent_header_has_no_directives()
    {
        var directives = CacheControlDirectives.Parse(StringValues.Empty);

        Assert.Equal(CacheControlDirectives.None, directives);
        Assert.False(directives.Present);
        Assert.Null(directives.MaxAge);
    }

    [Fact]
    public void Names_are_case_insensitive()
    {
        var directives = CacheControlDirectives.Parse("No-Store, PUBLIC, Max-Age=60, S-MAXAGE=30, Must-Revalidate");

        Assert.True(directives.Present);
        Assert.True(directives.NoStore);
        Assert.True(directives.Public);
        Assert.True(directives.MustRevalidate);
        Assert.Equal(TimeSpan.FromSeconds(60), directives.MaxAge);
        Assert.Equal(TimeSpan.FromSeconds(30), directives.SharedMaxAge);
    }

    [Theory]
    [InlineData("max-age=\"60\"")]
    [InlineData("max-age = 60")]
    [InlineData("  max-age=60  ")]
    [InlineData("max-age=60 ,")]
    [InlineData(",max-age=60")]
    public void Max_age_is_read_quoted_or_with_whitespace(string header)
    {
        Assert.Equal(TimeSpan.FromSeconds(60), CacheControlDirectives.Parse(header).MaxAge);
    }

    [Fact]
    public void A_quoted_value_may_contain_a_comma()
    {
        var directives = CacheControlDirectives.Parse("private=\"Set-Cookie, X-User\", max-age=5");

        Assert.False(directives.Private);
        Assert.Equal(["Set-Cookie", "X-User"], directives.PrivateFields!);
        Assert.Equal(TimeSpan.FromSeconds(5), directives.MaxAge);
    }

    [Fact]
    public void Multiple_header_lines_are_combined()
    {
        var directives = CacheControlDirectives.Parse(new StringValues(["max-age=60", "no-store, private"]));

        Assert.Equal(TimeSpan.FromSeconds(60), directives.MaxAge);
        Assert.True(directives.NoStore);
        Assert.True(directives.Private);
        Assert.False(directives.Public);
    }

    [Fact]
    public void Empty_header_lines_are_skipped()
    {
        var directives = CacheControlDirectives.Parse(new StringValues(["", "max-age=7"]));

        Assert.Equal(TimeSpan.FromSeconds(7), directives.MaxAge);
    }

    [Theory]
    [InlineData("max-age=60, max-age=30")]
    [InlineData("max-age=30, max-age=60")]
    public void A_duplicate_max_age_takes_the_smaller(string header)
    {
        Assert.Equal(TimeSpan.FromSeconds(30), CacheControlDirectives.Parse(header).MaxAge);
    }

    [Fact]
    public void A_duplicate_max_age_across_lines_takes_the_smaller()
    {
        var directives = CacheControlDirectives.Parse(new StringValues(["max-age=100", "max-age=10"]));

        Assert.Equal(TimeSpan.FromSeconds(10), directives.MaxAge);
    }

    [Fact]
    public void A_duplicate_s_maxage_takes_the_smaller()
    {
        Assert.Equal(TimeSpan.FromSeconds(20), CacheControlDirectives.Parse("s-maxage=90, s-maxage=20").SharedMaxAge);
    }

    [Theory]
    [InlineData("max-age=abc")]
    [InlineData("max-age=-1")]
    [InlineData("max-age=1.5")]
    [InlineData("max-age=")]
    [InlineData("max-age")]
    [InlineData("max-age=\"\"")]
    [InlineData("max-age=+5")]
    [InlineData("max-age=6 0")]
    public void An_invalid_max_age_reads_as_zero(string header)
    {
        Assert.Equal(TimeSpan.Zero, CacheControlDirectives.Parse(header).MaxAge);
    }

    [Fact]
    public void An_invalid_duplicate_max_age_wins_over_a_valid_one()
    {
        Assert.Equal(TimeSpan.Zero, CacheControlDirectives.Parse("max-age=600, max-age=abc").MaxAge);
    }

    [Theory]
    [InlineData("max-age=2147483648")]
    [InlineData("max-age=99999999999999999999999999")]
    public void A_huge_max_age_is_capped_at_int_max_seconds(string header)
    {
        Assert.Equal(IntMaxSeconds, CacheControlDirectives.Parse(header).MaxAge);
    }

    [Fact]
    public void Int_max_seconds_itself_is_kept()
    {
        Assert.Equal(IntMaxSeconds, CacheControlDirectives.Parse("max-age=2147483647").MaxAge);
        Assert.Equal(TimeSpan.FromSeconds(2147483646), CacheControlDirectives.Parse("max-age=2147483646").MaxAge);
    }

    [Fact]
    public void A_huge_s_maxage_is_capped_at_int_max_seconds()
    {
        Assert.Equal(IntMaxSeconds, CacheControlDirectives.Parse("s-maxage=1000000000000").SharedMaxAge);
    }

    [Fact]
    public void S_maxage_is_read_separately_from_max_age()
    {
        var directives = CacheControlDirectives.Parse("s-maxage=120");

        Assert.Equal(TimeSpan.FromSeconds(120), directives.SharedMaxAge);
        Assert.Null(directives.MaxAge);
    }

    [Fact]
    public void Boolean_directives_are_read()
    {
        var directives = CacheControlDirectives.Parse(
            "no-store, no-cache, private, public, must-revalidate, proxy-revalidate, no-transform, only-if-cached, immutable");

        Assert.True(directives.NoStore);
        Assert.True(directives.NoCache);
        Assert.True(directives.Private);
        Assert.True(directives.Public);
        Assert.True(directives.MustRevalidate);
        Assert.True(directives.ProxyRevalidate);
        Assert.True(directives.NoTransform);
        Assert.True(directives.OnlyIfCached);
        Assert.True(directives.Immutable);
    }

    [Theory]
    [InlineData("no-store")]
    [InlineData("private")]
    [InlineData("public")]
    [InlineData("must-revalidate")]
    public void One_boolean_directive_sets_only_itself(string header)
    {
        var directives = CacheControlDirectives.Parse(header);

        Assert.True(directives.Present);
        Assert.Equal(header == "no-store", directives.NoStore);
        Assert.Equal(header == "private", directives.Private);
        Assert.Equal(header == "public", directives.Public);
        Assert.Equal(header == "must-revalidate", directives.MustRevalidate);
        Assert.False(directives.NoCache);
        Assert.Null(directives.MaxAge);
        Assert.Null(directives.SharedMaxAge);
    }

    [Fact]
    public void Max_stale_without_a_value_means_any_staleness()
    {
        Assert.Equal(TimeSpan.MaxValue, CacheControlDirectives.Parse("max-stale").MaxStale);
    }

    [Fact]
    public void Max_stale_with_a_value_is_read()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), CacheControlDirectives.Parse("max-stale=30").MaxStale);
        Assert.Equal(TimeSpan.FromSeconds(30), CacheControlDirectives.Parse("max-stale, max-stale=30").MaxStale);
    }

    [Fact]
    public void Min_fresh_takes_the_larger_and_stale_extensions_the_smaller()
    {
        var directives = CacheControlDirectives.Parse(
            "min-fresh=10, min-fresh=40, stale-while-revalidate=50, stale-while-revalidate=5, stale-if-error=300, stale-if-error=60");

        Assert.Equal(TimeSpan.FromSeconds(40), directives.MinFresh);
        Assert.Equal(TimeSpan.FromSeconds(5), directives.StaleWhileRevalidate);
        Assert.Equal(TimeSpan.FromSeconds(60), directives.StaleIfError);
    }

    [Fact]
    public void Unknown_directives_are_ignored()
    {
        var directives = CacheControlDirectives.Parse("community=\"UCI\", x-foo=bar, max-age=60, nonsense");

        Assert.True(directives.Present);
        Assert.Equal(TimeSpan.FromSeconds(60), directives.MaxAge);
        Assert.False(directives.NoStore);
        Assert.False(directives.Private);
        Assert.False(directives.Public);
        Assert.Null(directives.SharedMaxAge);
    }

    [Fact]
    public void A_directive_name_must_match_exactly()
    {
        var directives = CacheControlDirectives.Parse("no-stored, max-ages=60, xprivate");

        Assert.False(directives.NoStore);
        Assert.Null(directives.MaxAge);
        Assert.False(directives.Private);
    }

    [Theory]
    [InlineData(",,, ;=")]
    [InlineData("=")]
    [InlineData("=,=,=")]
    [InlineData("max-age=\"60")]
    [InlineData("max-age=\"6\\")]
    [InlineData("max-age=\"\\")]
    [InlineData("\"")]
    [InlineData("\t \t")]
    [InlineData("no-store=\"x\"garbage, max-age=9")]
    public void Garbage_does_not_throw(string header)
    {
        var exception = Record.Exception(() => CacheControlDirectives.Parse(header));

        Assert.Null(exception);
    }

    [Fact]
    public void Garbage_after_a_quoted_value_is_skipped_up_to_the_next_comma()
    {
        var directives = CacheControlDirectives.Parse("max-age=\"60\"junk, no-store");

        Assert.Equal(TimeSpan.FromSeconds(60), directives.MaxAge);
        Assert.True(directives.NoStore);
    }

    [Fact]
    public void An_unterminated_quoted_value_is_read_to_the_end_of_the_line()
    {
        Assert.Equal(TimeSpan.FromSeconds(60), CacheControlDirectives.Parse("max-age=\"60").MaxAge);
    }
}
