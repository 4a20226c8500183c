using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Tests.Caching;

public sealed class ReusePolicyTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 14, 12, 0, 0, TimeSpan.Zero);

    private static ReusePolicy PolicyOf(string cacheControl, TimeSpan grace = default, TimeSpan errorGrace = default)
    {
        var policy = new FreshnessPolicy(Options.Create(new EdgeOptions { Grace = grace, ErrorGrace = errorGrace }));
        var headers = new HeaderDictionary { [HeaderNames.CacheControl] = cacheControl };
        var directives = policy.ResponseDirectives(headers, out var targeted);
        return policy.Policy(200, headers, directives, Now, targeted);
    }

    [Fact]
    public void Stale_directives_of_the_response_are_kept()
    {
        var policy = PolicyOf("max-age=60, stale-while-revalidate=30, stale-if-error=300");

        Assert.Equal(TimeSpan.FromSeconds(60), policy.Lifetime);
        Assert.Equal(TimeSpan.FromSeconds(30), policy.StaleWhileRevalidate);
        Assert.Equal(TimeSpan.FromSeconds(300), policy.StaleIfError);
        Assert.False(policy.ForbidsStale);
    }

    [Fact]
    public void The_operator_grace_applies_when_the_response_names_none()
    {
        var policy = PolicyOf("max-age=60", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10));

        Assert.Equal(TimeSpan.FromMinutes(1), policy.StaleWhileRevalidate);
        Assert.Equal(TimeSpan.FromMinutes(10), policy.StaleIfError);
    }

    [Theory]
    [InlineData("max-age=60, must-revalidate, stale-while-revalidate=30, stale-if-error=30")]
    [InlineData("max-age=60, proxy-revalidate, stale-while-revalidate=30, stale-if-error=30")]
    [InlineData("no-cache, stale-while-revalidate=30, stale-if-error=30")]
    public void Explicit_revalidation_forbids_every_stale_use(string cacheControl)
    {
        var policy = PolicyOf(cacheControl, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

        Assert.True(policy.ForbidsStale);
        Assert.Equal(TimeSpan.Zero, policy.StaleWhileRevalidate);
        Assert.Equal(TimeSpan.Zero, policy.StaleIfError);
    }

    [Fact]
    public void S_maxage_blocks_the_grace_but_keeps_the_origins_own_stale_directives()
    {
        var withGrace = PolicyOf("s-maxage=60", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        var explicitStale = PolicyOf("s-maxage=60, stale-while-revalidate=30");

        Assert.True(withGrace.MustRevalidate);
        Assert.Equal(TimeSpan.Zero, withGrace.StaleWhileRevalidate);
        Assert.Equal(TimeSpan.Zero, withGrace.StaleIfError);
        Assert.Equal(TimeSpan.FromSeconds(30), explicitStale.StaleWhileRevalidate);
    }

    [Fact]
    public void Targeted_directives_replace_Cache_Control_and_Expires()
    {
        var policy = new FreshnessPolicy(Options.Create(new EdgeOptions()));
        var headers = new HeaderDictionary
        {
            [HeaderNames.CacheControl] = "no-store",
            [HeaderNames.Expires] = "0",
            [TargetedCacheControl.CdnCacheControl] = "stale-while-revalidate=5",
            [HeaderNames.Date] = HeaderUtilities.FormatDate(Now),
            [HeaderNames.LastModified] = HeaderUtilities.FormatDate(Now.AddDays(-1)),
        };

        var directives = policy.ResponseDirectives(headers, out var targeted);

        Assert.True(targeted);
        Assert.Null(policy.WhyNotStorable(200, headers, directives, CacheControlDirectives.None, false, targeted));
        // No max-age in CDN-Cache-Control and Expires ignored: heuristic freshness from Last-Modified.
        Assert.Equal(TimeSpan.FromHours(2.4), policy.Policy(200, headers, directives, Now, targeted).Lifetime);
    }

    [Fact]
    public void A_response_Pragma_no_cache_without_Cache_Control_means_no_cache()
    {
        var policy = new FreshnessPolicy(Options.Create(new EdgeOptions()));
        var headers = new HeaderDictionary { [HeaderNames.Pragma] = "no-cache" };

        Assert.True(policy.ResponseDirectives(headers, out _).NoCache);
        headers[HeaderNames.CacheControl] = "max-age=60";
        Assert.False(policy.ResponseDirectives(headers, out _).NoCache);
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(299, false)]
    public void Must_understand_ignores_no_store_only_for_understood_statuses(int status, bool storable)
    {
        var policy = new FreshnessPolicy(Options.Create(new EdgeOptions()));
        var headers = new HeaderDictionary { [HeaderNames.CacheControl] = "max-age=60, must-understand, no-store" };
        var directives = policy.ResponseDirectives(headers, out _);

        Assert.Equal(storable, policy.WhyNotStorable(status, headers, directives, CacheControlDirectives.None, false) is null);
    }

    [Fact]
    public void Set_Cookie_is_storable_only_when_configured_and_then_unshared()
    {
        var headers = new HeaderDictionary { [HeaderNames.CacheControl] = "max-age=60", [HeaderNames.SetCookie] = "s=1" };
        var strict = new FreshnessPolicy(Options.Create(new EdgeOptions()));
        var lenient = new FreshnessPolicy(Options.Create(new EdgeOptions { StoreSetCookie = true }));
        var directives = strict.ResponseDirectives(headers, out _);

        Assert.Equal("set-cookie", strict.WhyNotStorable(200, headers, directives, CacheControlDirectives.None, false));
        Assert.Null(lenient.WhyNotStorable(200, headers, directives, CacheControlDirectives.None, false));
        Assert.Equal([HeaderNames.SetCookie], lenient.UnsharedFields(headers, directives));
    }

    [Fact]
    public void Qualified_private_and_no_cache_name_unshared_fields()
    {
        var policy = new FreshnessPolicy(Options.Create(new EdgeOptions()));
        var headers = new HeaderDictionary { [HeaderNames.CacheControl] = "max-age=60, private=\"X-User\", no-cache=\"X-Token\"" };
        var directives = policy.ResponseDirectives(headers, out _);

        Assert.Null(policy.WhyNotStorable(200, headers, directives, CacheControlDirectives.None, false));
        Assert.Equal(["X-User", "X-Token"], policy.UnsharedFields(headers, directives));
        Assert.False(directives.NoCache);
    }
}
