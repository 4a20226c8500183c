using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Tests.Caching;

public sealed class FreshnessPolicyTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 14, 12, 0, 0, TimeSpan.Zero);

    private readonly FreshnessPolicy _policy = new(Options.Create(new EdgeOptions()));

    private static string Http(DateTimeOffset value) => HeaderUtilities.FormatDate(value);

    private static CacheControlDirectives Directives(StringValues header) => CacheControlDirectives.Parse(header);

    private TimeSpan Lifetime(int status, IHeaderDictionary headers, DateTimeOffset? responseTime = null)
        => _policy.FreshnessLifetime(status, headers, Directives(headers.CacheControl), responseTime ?? Now);

    private string? WhyNot(int status, IHeaderDictionary response, string? requestCacheControl = null, bool authorization = false)
        => _policy.WhyNotStorable(status, response, Directives(response.CacheControl), Directives(requestCacheControl), authorization);

    // FreshnessLifetime

    [Fact]
    public void S_maxage_beats_max_age_and_Expires()
    {
        var headers = new HeaderDictionary
        {
            [HeaderNames.CacheControl] = "max-age=60, s-maxage=300",
            [HeaderNames.Date] = Http(Now),
            [HeaderNames.Expires] = Http(Now.AddHours(1)),
        };

        Assert.Equal(TimeSpan.FromSeconds(300), Lifetime(200, headers));
    }

    [Fact]
    public void S_maxage_of_zero_beats_a_longer_max_age()
    {
        var headers = new HeaderDictionary { [HeaderNames.CacheControl] = "max-age=600, s-maxage=0" };

        Assert.Equal(TimeSpan.Zero, Lifetime(200, headers));
    }

    [Fact]
    public void Max_age_beats_Expires()
    {
        var headers = new HeaderDictionary
        {
            [HeaderNames.CacheControl] = "max-age=60",
            [HeaderNames.Date] = Http(Now),
            [HeaderNames.Expires] = Http(Now.AddHours(1)),
        };

        Assert.Equal(TimeSpan.FromSeconds(60), Lifetime(200, headers));
    }

    [Fact]
    public void Max_age_beats_heuristic_freshness()
    {
        var headers = new HeaderDictionary
        {
            [HeaderNames.CacheControl] = "max-age=5",
            [HeaderNames.Date] = Http(Now),
            [HeaderNames.LastModified] = Http(Now.AddDays(-5)),
        };

        Assert.Equal(TimeSpan.FromSeconds(5), Lifetime(200, headers));
    }

    [Fact]
    public void Expires_minus_Date_is_the_lifetime()
    {
        var date = Now.AddMinutes(-3);
        var headers = new HeaderDictionary
        {
            [HeaderNames.Date] = Http(date),
            [HeaderNames.Expires] = Http(date.AddMinutes(10)),
        };

        Assert.Equal(TimeSpan.FromMinutes(10), Lifetime(200, headers));
    }

    [Fact]
    public void Expires_beats_heuristic_freshness()
    {
        var headers = new HeaderDictionary
        {
            [HeaderNames.Date] = Http(Now),
            [HeaderNames.Expires] = Http(Now.AddSeconds(30)),
            [HeaderNames.LastModified] = Http(Now.AddDays(-10)),
        };

        Assert.Equal(TimeSpan.FromSeconds(30), Lifetime(200, headers));
    }

    [Fact]
    public void Expires_in_the_past_gives_zero()
    {
        var headers = new HeaderDictionary
        {
            [HeaderNames.Date] = Http(Now),
            [HeaderNames.Expires] = Http(Now.AddMinutes(-1)),
        };

        Assert.Equal(TimeSpan.Zero, Lifetime(200, headers));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("tomorrow")]
    [InlineData("Thu, 32 Jan 2025 00:00:00 GMT")]
    public void An_invalid_Expires_gives_zero(string expires)
    {
        var headers = new HeaderDictionary
        {
            [HeaderNames.Date] = Http(Now),
            [HeaderNames.Expires] = expires,
            [HeaderNames.LastModified] = Http(Now.AddDays(-10)),
        };

        Assert.Equal(TimeSpan.Zero, Lifetime(200, headers));
    }

    [Fact]
    public void Expires_without_Date_is_measured_from_the_response_time()
    {
        var responseTime = Now.AddSeconds(-20);
        var headers = new HeaderDictionary { [HeaderNames.Expires] = Http(Now.AddMinutes(5)) };

        Assert.Equal(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(20), Lifetime(200, headers, responseTime));
    }

    [Fact]
    public void Expires_with_an_invalid_Date_is_measured_from_the_response_time()
    {
        var headers = new HeaderDictionary { [HeaderNames.Date] = "yesterday-ish", [HeaderNames.Expires] = Http(Now.AddMinutes(2)) };

        Assert.Equal(TimeSpan.FromMinutes(2), Lifetime(200, headers, Now));
    }

    [Fact]
    public void Heuristic_freshness_is_a_tenth_of_the_time_since_Last_Modified()
    {
        var headers = new HeaderDictionary
        {
            [HeaderNames.Date] = Http(Now),
            [HeaderNames.LastModified] = Http(Now.AddHours(-10)),
        };

        Assert.Equal(TimeSpan.FromHours(1), Lifetime(200, headers));
    }

    [Fact]
    public void Heuristic_freshness_without_Date_is_measured_from_the_response_time()
    {
        var headers = new HeaderDictionary { [HeaderNames.LastModified] = Http(Now.AddHours(-5)) };

        Assert.Equal(TimeSpan.FromMinutes(30), Lifetime(200, headers, Now));
    }

    [Theory]
    [InlineData(200)]
    [InlineData(203)]
    [InlineData(301)]
    [InlineData(404)]
    [InlineData(410)]
    public void Heuristic_freshness_applies_to_heuristically_cacheable_statuses(int status)
    {
        var headers = new HeaderDictionary
        {
            [HeaderNames.Date] = Http(Now),
            [HeaderNames.LastModified] = Http(Now.AddMinutes(-100)),
        };

        Assert.Equal(TimeSpan.FromMinutes(10), Lifetime(status, headers));
    }

    [Theory]
    [InlineData(302)]
    [InlineData(307)]
    [InlineData(500)]
    [InlineData(503)]
    public void Heuristic_freshness_does_not_apply_to_other_statuses(int status)
    {
        var headers = new HeaderDictionary
        {
            [HeaderNames.Date] = Http(Now),
            [HeaderNames.LastModified] = Http(Now.AddMinutes(-100)),
        };

        Assert.Equal(TimeSpan.Zero, Lifetime(status, headers));
    }

    [Fact]
    public void Heuristic_freshness_is_capped_by_MaxHeuristicFreshness()
    {
        var headers = new HeaderDictionary
        {
            [HeaderNames.Date] = Http(Now),
            [HeaderNames.LastModified] = Http(Now.AddDays(-365)),
        };

        Assert.Equal(new EdgeOptions().MaxHeuristicFreshness, Lifetime(200, headers));
    }

    [Fact]
    public void Heuristic_freshness_follows_the_configured_fraction_and_cap()
    {
        var policy = new FreshnessPolicy(Options.Create(new EdgeOptions
        {
            HeuristicFraction = 0.5,
            MaxHeuristicFreshness = TimeSpan.FromHours(3),
        }));
        var twoHoursOld = new HeaderDictionary { [HeaderNames.Date] = Http(Now), [HeaderNames.LastModified] = Http(Now.AddHours(-2)) };
        var tenHoursOld = new HeaderDictionary { [HeaderNames.Date] = Http(Now), [HeaderNames.LastModified] = Http(Now.AddHours(-10)) };

        Assert.Equal(TimeSpan.FromHours(1), policy.FreshnessLifetime(200, twoHoursOld, CacheControlDirectives.None, Now));
        Assert.Equal(TimeSpan.FromHours(3), policy.FreshnessLifetime(200, tenHoursOld, CacheControlDirectives.None, Now));
    }

    [Fact]
    public void Last_Modified_in_the_future_gives_no_heuristic_freshness()
    {
        var headers = new HeaderDictionary
        {
            [HeaderNames.Date] = Http(Now),
            [HeaderNames.LastModified] = Http(Now.AddHours(1)),
        };

        Assert.Equal(TimeSpan.Zero, Lifetime(200, headers));
    }

    [Fact]
    public void No_freshness_information_gives_zero()
    {
        Assert.Equal(TimeSpan.Zero, Lifetime(200, new HeaderDictionary { [HeaderNames.Date] = Http(Now) }));
    }

    // CorrectedInitialAge

    [Fact]
    public void Corrected_initial_age_is_the_Age_header_plus_the_response_delay()
    {
        var requestTime = Now.AddSeconds(-2);
        var headers = new HeaderDictionary { [HeaderNames.Date] = Http(Now), [HeaderNames.Age] = "100" };

        Assert.Equal(TimeSpan.FromSeconds(102), FreshnessPolicy.CorrectedInitialAge(headers, requestTime, Now));
    }

    [Fact]
    public void Corrected_initial_age_without_Age_or_Date_is_the_response_delay()
    {
        var requestTime = Now.AddMilliseconds(-1500);

        Assert.Equal(TimeSpan.FromMilliseconds(1500), FreshnessPolicy.CorrectedInitialAge(new HeaderDictionary(), requestTime, Now));
    }

    [Fact]
    public void The_apparent_age_from_Date_wins_when_larger()
    {
        var requestTime = Now.AddSeconds(-1);
        var headers = new HeaderDictionary { [HeaderNames.Date] = Http(Now.AddSeconds(-50)), [HeaderNames.Age] = "10" };

        Assert.Equal(TimeSpan.FromSeconds(50), FreshnessPolicy.CorrectedInitialAge(headers, requestTime, Now));
    }

    [Fact]
    public void A_Date_after_the_response_time_gives_no_apparent_age()
    {
        var headers = new HeaderDictionary { [HeaderNames.Date] = Http(Now.AddMinutes(10)) };

        Assert.Equal(TimeSpan.Zero, FreshnessPolicy.CorrectedInitialAge(headers, Now, Now));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-5")]
    [InlineData("1.5")]
    [InlineData("")]
    public void An_invalid_Age_is_ignored(string age)
    {
        var requestTime = Now.AddSeconds(-3);
        var headers = new HeaderDictionary { [HeaderNames.Date] = Http(Now), [HeaderNames.Age] = age };

        Assert.Equal(TimeSpan.FromSeconds(3), FreshnessPolicy.CorrectedInitialAge(headers, requestTime, Now));
    }

    [Fact]
    public void An_Age_with_surrounding_whitespace_is_read()
    {
        var headers = new HeaderDictionary { [HeaderNames.Age] = " 42 " };

        Assert.Equal(TimeSpan.FromSeconds(42), FreshnessPolicy.CorrectedInitialAge(headers, Now, Now));
    }

    // WhyNotStorable

    [Fact]
    public void A_plain_200_is_storable()
    {
        Assert.Null(WhyNot(200, new HeaderDictionary()));
        Assert.Null(WhyNot(200, new HeaderDictionary { [HeaderNames.CacheControl] = "max-age=60" }));
    }

    [Fact]
    public void Request_no_store_is_not_storable()
    {
        Assert.Equal("no-store", WhyNot(200, new HeaderDictionary { [HeaderNames.CacheControl] = "max-age=60" }, requestCacheControl: "no-store"));
    }

    [Fact]
    public void Response_no_store_is_not_storable()
    {
        Assert.Equal("no-store", WhyNot(200, new HeaderDictionary { [HeaderNames.CacheControl] = "public, max-age=60, no-store" }));
    }

    [Fact]
    public void Private_is_not_storable()
    {
        Assert.Equal("private", WhyNot(200, new HeaderDictionary { [HeaderNames.CacheControl] = "private, max-age=60" }));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("max-age=60")]
    [InlineData("no-cache")]
    public void A_request_with_Authorization_is_not_storable_without_permission(string? cacheControl)
    {
        var response = new HeaderDictionary();
        if (cacheControl is not null)
        {
            response[HeaderNames.CacheControl] = cacheControl;
        }

        Assert.Equal("authorization", WhyNot(200, response, authorization: true));
    }

    [Theory]
    [InlineData("s-maxage=60")]
    [InlineData("public")]
    [InlineData("must-revalidate, max-age=60")]
    public void A_request_with_Authorization_is_storable_when_the_response_allows_it(string cacheControl)
    {
        Assert.Null(WhyNot(200, new HeaderDictionary { [HeaderNames.CacheControl] = cacheControl }, authorization: true));
    }

    [Fact]
    public void Set_Cookie_is_not_storable()
    {
        var response = new HeaderDictionary { [HeaderNames.CacheControl] = "max-age=60", [HeaderNames.SetCookie] = "session=abc" };

        Assert.Equal("set-cookie", WhyNot(200, response));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("Accept-Encoding, *")]
    public void Vary_star_is_not_storable(string vary)
    {
        var response = new HeaderDictionary { [HeaderNames.CacheControl] = "max-age=60", [HeaderNames.Vary] = vary };

        Assert.Equal("vary-star", WhyNot(200, response));
    }

    [Fact]
    public void Vary_star_on_a_second_line_is_not_storable()
    {
        var response = new HeaderDictionary { [HeaderNames.CacheControl] = "max-age=60", [HeaderNames.Vary] = new StringValues(["Accept-Encoding", "*"]) };

        Assert.Equal("vary-star", WhyNot(200, response));
    }

    [Fact]
    public void An_ordinary_Vary_is_storable()
    {
        var response = new HeaderDictionary { [HeaderNames.CacheControl] = "max-age=60", [HeaderNames.Vary] = "Accept-Encoding" };

        Assert.Null(WhyNot(200, response));
    }

    [Fact]
    public void A_302_without_explicit_freshness_is_not_storable()
    {
        Assert.Equal("status", WhyNot(302, new HeaderDictionary { [HeaderNames.Location] = "/elsewhere" }));
    }

    [Fact]
    public void A_302_with_max_age_is_storable()
    {
        Assert.Null(WhyNot(302, new HeaderDictionary { [HeaderNames.CacheControl] = "max-age=60", [HeaderNames.Location] = "/elsewhere" }));
    }

    [Fact]
    public void A_302_with_Expires_or_public_is_storable()
    {
        Assert.Null(WhyNot(302, new HeaderDictionary { [HeaderNames.Expires] = Http(Now.AddMinutes(1)) }));
        Assert.Null(WhyNot(302, new HeaderDictionary { [HeaderNames.CacheControl] = "public" }));
        Assert.Null(WhyNot(302, new HeaderDictionary { [HeaderNames.CacheControl] = "s-maxage=10" }));
    }

    [Theory]
    [InlineData(206)]
    [InlineData(304)]
    [InlineData(100)]
    [InlineData(199)]
    public void Partial_not_modified_and_informational_responses_are_not_storable(int status)
    {
        Assert.Equal("status", WhyNot(status, new HeaderDictionary { [HeaderNames.CacheControl] = "public, max-age=60" }));
    }

    [Theory]
    [InlineData(404)]
    [InlineData(301)]
    [InlineData(204)]
    public void Heuristically_cacheable_statuses_are_storable_without_explicit_freshness(int status)
    {
        Assert.Null(WhyNot(status, new HeaderDictionary()));
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(307)]
    public void Other_statuses_without_explicit_freshness_are_not_storable(int status)
    {
        Assert.Equal("status", WhyNot(status, new HeaderDictionary()));
    }

    [Fact]
    public void IsHeuristicallyCacheable_matches_the_http_list()
    {
        int[] cacheable = [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501];
        for (var status = 100; status < 600; status++)
        {
            Assert.Equal(cacheable.Contains(status), FreshnessPolicy.IsHeuristicallyCacheable(status));
        }
    }
}
