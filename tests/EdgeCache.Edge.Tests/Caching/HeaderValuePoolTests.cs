using System.Globalization;
using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Tests.Caching;

public sealed class HeaderValuePoolTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 14, 12, 0, 0, TimeSpan.Zero);

    // Built char by char, so each call returns a new string with the same value.
    private static string Fresh(string value) => new(value.AsSpan());

    private static string Value(KeyValuePair<string, StringValues>[] headers, string name)
        => headers.Single(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value[0]!;

    [Fact]
    public void Equal_strings_come_back_as_one_instance()
    {
        var pool = new HeaderValuePool();
        var first = Fresh("application/octet-stream");
        var second = Fresh("application/octet-stream");
        Assert.NotSame(first, second);

        Assert.Same(first, pool.Share(first));
        Assert.Same(first, pool.Share(second));
    }

    [Fact]
    public void Long_values_and_ETags_are_not_pooled()
    {
        var pool = new HeaderValuePool();
        var longValue = new string('a', HeaderValuePool.MaxLength + 1);
        pool.Share(longValue);
        Assert.NotSame(longValue, pool.Share(Fresh(longValue)));

        var etag = Fresh("\"v1\"");
        pool.Share(new KeyValuePair<string, StringValues>(HeaderNames.ETag, etag));
        var again = pool.Share(new KeyValuePair<string, StringValues>(HeaderNames.ETag, Fresh(etag)));
        Assert.NotSame(etag, again.Value[0]);
    }

    [Fact]
    public void The_pool_stays_bounded_however_many_values_pass_through()
    {
        var pool = new HeaderValuePool(64);
        for (var i = 0; i < 10_000; i++)
        {
            pool.Share(i.ToString(CultureInfo.InvariantCulture));
        }

        Assert.Equal(64, pool.Capacity);
        Assert.InRange(pool.Count, 1, 64);
    }

    [Fact]
    public void A_value_that_was_pushed_out_is_pooled_again()
    {
        var pool = new HeaderValuePool(2);
        pool.Share(Fresh("a"));
        pool.Share(Fresh("b"));
        pool.Share(Fresh("c"));

        var d = Fresh("d");
        Assert.Same(d, pool.Share(d));
        Assert.Same(d, pool.Share(Fresh("d")));
    }

    [Fact]
    public void Two_admitted_responses_share_their_common_header_strings_but_not_their_ETags()
    {
        var options = Options.Create(new EdgeOptions());
        var admission = new ResponseAdmission(new FreshnessPolicy(options), options, new HeaderValuePool());
        var date = Now.ToString("R", CultureInfo.InvariantCulture);
        HeaderDictionary Upstream(string etag) => new()
        {
            [HeaderNames.ContentType] = Fresh("application/octet-stream"),
            [HeaderNames.CacheControl] = Fresh("public, max-age=86400"),
            [HeaderNames.ContentLength] = Fresh("1024"),
            [HeaderNames.Date] = Fresh(date),
            [HeaderNames.ETag] = Fresh(etag),
        };

        var a = admission.Admit(200, Upstream("\"a\""), new HeaderDictionary(), CacheControlDirectives.None, false, true, Now, Now);
        var b = admission.Admit(200, Upstream("\"b\""), new HeaderDictionary(), CacheControlDirectives.None, false, true, Now, Now);

        Assert.Same(Value(a.SharedHeaders, HeaderNames.ContentType), Value(b.SharedHeaders, HeaderNames.ContentType));
        Assert.Same(Value(a.SharedHeaders, HeaderNames.CacheControl), Value(b.SharedHeaders, HeaderNames.CacheControl));
        Assert.Same(Value(a.SharedHeaders, HeaderNames.ContentLength), Value(b.SharedHeaders, HeaderNames.ContentLength));
        Assert.Same(Value(a.SharedHeaders, HeaderNames.Date), Value(b.SharedHeaders, HeaderNames.Date));
        Assert.Equal("\"b\"", Value(b.SharedHeaders, HeaderNames.ETag));
    }

    [Fact]
    public void A_shared_value_is_charged_less_than_a_copy()
    {
        StoredResponse Stored(string name, string value) => new("k", 200, [new(name, value)], StoredBody.CopyOf([new byte[1]], 1),
            VaryKey.Empty, Now, TimeSpan.Zero, ReusePolicy.FreshFor(TimeSpan.FromMinutes(1)), "edge", null);

        var shared = Stored(HeaderNames.ContentType, "application/octet-stream");
        var tooLongToShare = "application/octet-stream;" + new string('x', HeaderValuePool.MaxLength);
        var own = Stored(HeaderNames.ContentType, tooLongToShare);

        Assert.True(own.Size - shared.Size >= 2 * tooLongToShare.Length);
    }
}
