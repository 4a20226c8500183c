using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Tests.Caching;

public sealed class ResponseAdmissionTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 14, 12, 0, 0, TimeSpan.Zero);

    private static ResponseAdmission Create(EdgeOptions? options = null)
    {
        var wrapped = Options.Create(options ?? new EdgeOptions());
        return new ResponseAdmission(new FreshnessPolicy(wrapped), wrapped, new HeaderValuePool());
    }

    private static FillHead Admit(ResponseAdmission admission, HeaderDictionary headers, int status = 200)
        => admission.Admit(status, headers, new HeaderDictionary(), CacheControlDirectives.None, false, true, Now, Now);

    private static StoredResponse Stored(params (string Name, string Value)[] headers)
        => new("http://a/x", 200, [.. headers.Select(h => new KeyValuePair<string, StringValues>(h.Name, h.Value))],
            StoredBody.CopyOf([new byte[10]], 10), VaryKey.Empty, Now, TimeSpan.Zero, ReusePolicy.FreshFor(TimeSpan.FromMinutes(1)), "edge", null);

    [Fact]
    public void A_stale_response_with_a_validator_is_stored_but_not_shared()
    {
        var head = Admit(Create(), new HeaderDictionary { [HeaderNames.CacheControl] = "no-cache", [HeaderNames.ETag] = "\"v1\"" });

        Assert.False(head.Shareable);
        Assert.True(head.StoreIntended);
    }

    [Fact]
    public void A_stale_response_without_validator_or_stale_use_is_not_stored()
    {
        var head = Admit(Create(), new HeaderDictionary { [HeaderNames.CacheControl] = "max-age=0" });

        Assert.False(head.StoreIntended);
        Assert.Equal("stale", head.NotStoredReason);
    }

    [Fact]
    public void Targeted_and_surrogate_headers_are_kept_from_clients_but_stored()
    {
        var head = Admit(Create(), new HeaderDictionary
        {
            [TargetedCacheControl.CdnCacheControl] = "max-age=60",
            ["Surrogate-Key"] = "a b",
            [HeaderNames.CacheControl] = "max-age=5",
            [HeaderNames.Age] = "3",
        });

        Assert.DoesNotContain(head.ClientHeaders, h => h.Key is "CDN-Cache-Control" or "Surrogate-Key" or "Age");
        Assert.Contains(head.HiddenHeaders, h => h.Key == "CDN-Cache-Control");
        Assert.Contains(head.HiddenHeaders, h => h.Key == "Surrogate-Key");
        Assert.Equal(TimeSpan.FromSeconds(60), head.Policy.Lifetime);
    }

    [Fact]
    public void Forwarding_options_let_the_CDN_headers_through()
    {
        var head = Admit(Create(new EdgeOptions { ForwardTargetedCacheControl = true, ForwardSurrogateKeys = true }), new HeaderDictionary
        {
            [TargetedCacheControl.CdnCacheControl] = "max-age=60",
            ["Surrogate-Key"] = "a b",
        });

        Assert.Contains(head.ClientHeaders, h => h.Key == "CDN-Cache-Control");
        Assert.Contains(head.ClientHeaders, h => h.Key == "Surrogate-Key");
    }

    [Fact]
    public void Unshared_fields_reach_the_asking_client_only()
    {
        var head = Admit(Create(new EdgeOptions { StoreSetCookie = true }), new HeaderDictionary
        {
            [HeaderNames.CacheControl] = "max-age=60, private=\"X-User\"",
            [HeaderNames.SetCookie] = "s=1",
            ["X-User"] = "alice",
            [HeaderNames.ContentType] = "text/plain",
        });

        Assert.True(head.Shareable);
        Assert.Contains(head.ClientHeaders, h => h.Key == "Set-Cookie");
        Assert.Contains(head.ClientHeaders, h => h.Key == "X-User");
        Assert.DoesNotContain(head.SharedHeaders, h => h.Key is "Set-Cookie" or "X-User");
        Assert.Contains(head.SharedHeaders, h => h.Key == "Content-Type");
    }

    [Theory]
    [InlineData("\"a\"", "\"a\"", true)]
    [InlineData("\"a\"", "\"b\"", false)]
    [InlineData("W/\"a\"", "\"a\"", true)]
    [InlineData("\"a\"", "W/\"a\"", true)]
    public void A_304_describes_the_stored_response_when_its_validator_matches(string stored, string received, bool expected)
    {
        Assert.Equal(expected, ResponseAdmission.DescribesStored(Stored((HeaderNames.ETag, stored)), new HeaderDictionary { [HeaderNames.ETag] = received }));
    }

    [Fact]
    public void A_304_without_validators_describes_the_one_stored_response()
    {
        Assert.True(ResponseAdmission.DescribesStored(Stored((HeaderNames.ETag, "\"a\"")), new HeaderDictionary()));
        Assert.False(ResponseAdmission.DescribesStored(Stored(), new HeaderDictionary { [HeaderNames.ETag] = "\"a\"" }));
    }

    [Fact]
    public void Refresh_replaces_headers_but_not_Content_Length_and_keeps_the_body()
    {
        var stored = Stored((HeaderNames.ETag, "\"a\""), (HeaderNames.ContentLength, "10"), (HeaderNames.CacheControl, "max-age=1"), ("X-Old", "1"));
        var update = new HeaderDictionary
        {
            [HeaderNames.CacheControl] = "max-age=600",
            [HeaderNames.ContentLength] = "0",
            ["X-New"] = "2",
        };

        var refreshed = Create().Refresh(stored, update, CacheControlDirectives.None, false, Now, Now.AddSeconds(5));

        Assert.NotNull(refreshed);
        Assert.Equal(stored.Body, refreshed.Body);
        Assert.Equal(TimeSpan.FromSeconds(600), refreshed.FreshnessLifetime);
        Assert.Equal(Now.AddSeconds(5), refreshed.ResponseTime);
        // The length a hit sends is the stored body's, whatever the 304 said.
        Assert.Equal(10, refreshed.Body.Length);
        Assert.Equal(StringValues.Empty, refreshed.Headers[HeaderNames.ContentLength]);
        Assert.Equal("1", refreshed.Headers["X-Old"]);
        Assert.Equal("2", refreshed.Headers["X-New"]);
    }

    [Fact]
    public void Refresh_that_forbids_storing_returns_nothing()
    {
        var stored = Stored((HeaderNames.ETag, "\"a\""));

        Assert.Null(Create().Refresh(stored, new HeaderDictionary { [HeaderNames.CacheControl] = "no-store" }, CacheControlDirectives.None, false, Now, Now));
    }
}
