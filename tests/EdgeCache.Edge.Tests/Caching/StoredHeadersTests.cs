using EdgeCache.Edge.Caching;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Tests.Caching;

public sealed class StoredHeadersTests
{
    private const int SharedCharge = 8;

    // Built char by char, so each call returns a new string with the same value.
    private static string Fresh(string value) => new(value.AsSpan());

    private static KeyValuePair<string, StringValues>[] Upstream(string etag, string date) =>
    [
        new(HeaderNames.ContentType, Fresh("text/css")),
        new(HeaderNames.CacheControl, Fresh("public, max-age=600")),
        new(HeaderNames.ContentLength, Fresh("1024")),
        new(HeaderNames.ETag, Fresh(etag)),
        new(HeaderNames.LastModified, Fresh("Fri, 14 Mar 2025 11:00:00 GMT")),
        new(HeaderNames.Date, Fresh(date)),
        new("X-Served-By", Fresh("origin-7")),
    ];

    private static Dictionary<string, string> AsDictionary(StoredHeaders headers)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in headers)
        {
            fields.Add(header.Key, header.Value.ToString());
        }

        return fields;
    }

    [Fact]
    public void Every_field_but_Content_Length_is_kept_and_written()
    {
        var stored = StoredHeaders.Create(Upstream("\"v1\"", "Fri, 14 Mar 2025 12:00:00 GMT"), pool: null, out _);

        var fields = AsDictionary(stored);
        Assert.Equal(6, stored.Count);
        Assert.Equal(6, fields.Count);
        Assert.False(fields.ContainsKey(HeaderNames.ContentLength));
        Assert.Equal("\"v1\"", stored.ETag);
        Assert.Equal("\"v1\"", stored[HeaderNames.ETag]);
        Assert.Equal("Fri, 14 Mar 2025 11:00:00 GMT", stored.LastModified);
        Assert.Equal("Fri, 14 Mar 2025 12:00:00 GMT", stored.Date);
        Assert.Equal("origin-7", fields["X-Served-By"]);

        var written = new HeaderDictionary();
        stored.CopyTo(written);
        Assert.Equal(6, written.Count);
        foreach (var (name, value) in fields)
        {
            Assert.Equal(value, written[name].ToString());
        }
    }

    [Fact]
    public void A_field_sent_on_several_lines_keeps_every_line()
    {
        KeyValuePair<string, StringValues>[] headers =
        [
            new(HeaderNames.ETag, new StringValues(["\"a\"", "\"b\""])),
            new(HeaderNames.Date, "Fri, 14 Mar 2025 12:00:00 GMT"),
        ];

        var stored = StoredHeaders.Create(headers, pool: null, out _);

        Assert.Null(stored.ETag);
        Assert.Equal(new StringValues(["\"a\"", "\"b\""]), stored[HeaderNames.ETag]);
        var written = new HeaderDictionary();
        stored.CopyTo(written);
        Assert.Equal(2, written[HeaderNames.ETag].Count);
    }

    [Fact]
    public void Responses_equal_but_for_their_validators_and_date_share_one_list_and_the_later_is_charged_less()
    {
        var pool = new HeaderValuePool();

        var first = StoredHeaders.Create(Upstream("\"one\"", "Fri, 14 Mar 2025 12:00:00 GMT"), pool, out var firstShared);
        var second = StoredHeaders.Create(Upstream("\"two\"", "Fri, 14 Mar 2025 12:00:07 GMT"), pool, out var secondShared);

        Assert.False(firstShared);
        Assert.True(secondShared);
        Assert.True(first.MemorySize(SharedCharge, firstShared) - second.MemorySize(SharedCharge, secondShared) >= 24 + 16 * 3);
        Assert.Equal("\"two\"", second.ETag);
        Assert.Equal("Fri, 14 Mar 2025 12:00:07 GMT", second.Date);
        Assert.Equal("origin-7", AsDictionary(second)["X-Served-By"]);
    }

    [Fact]
    public void Responses_whose_other_fields_differ_do_not_share()
    {
        var pool = new HeaderValuePool();
        var other = Upstream("\"two\"", "Fri, 14 Mar 2025 12:00:00 GMT");
        other[^1] = new("X-Served-By", "origin-8");

        StoredHeaders.Create(Upstream("\"one\"", "Fri, 14 Mar 2025 12:00:00 GMT"), pool, out _);
        var second = StoredHeaders.Create(other, pool, out var shared);

        Assert.False(shared);
        Assert.Equal("origin-8", AsDictionary(second)["X-Served-By"]);
    }
}
