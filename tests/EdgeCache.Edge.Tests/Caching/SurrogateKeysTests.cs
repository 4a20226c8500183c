using EdgeCache.Edge.Caching;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Tests.Caching;

public sealed class SurrogateKeysTests
{
    [Fact]
    public void Surrogate_key_is_split_on_spaces_and_cache_tag_on_commas()
    {
        var headers = new HeaderDictionary
        {
            ["Surrogate-Key"] = "  a b\tc  ",
            ["Cache-Tag"] = "d, e f ,,g",
        };

        Assert.Equal(["a", "b", "c", "d", "e f", "g"], SurrogateKeys.FromHeaders(headers));
    }

    [Fact]
    public void Tags_are_deduplicated_case_sensitively_across_header_lines()
    {
        var headers = new HeaderDictionary
        {
            ["Surrogate-Key"] = new StringValues(["a b", "b A", ""]),
            ["Cache-Tag"] = "a,c,a",
        };

        Assert.Equal(["a", "b", "A", "c"], SurrogateKeys.FromHeaders(headers));
    }

    [Fact]
    public void No_headers_or_only_separators_give_no_tags()
    {
        Assert.Empty(SurrogateKeys.FromHeaders(new HeaderDictionary()));
        Assert.Empty(SurrogateKeys.FromHeaders(new HeaderDictionary { ["Surrogate-Key"] = "   ", ["Cache-Tag"] = " , ," }));
    }

    [Fact]
    public void Tags_are_capped_in_number_and_oversized_ones_dropped()
    {
        var many = string.Join(' ', Enumerable.Range(0, SurrogateKeys.MaxCount + 10).Select(i => "t" + i));
        var oversized = new string('x', SurrogateKeys.MaxLength + 1);
        var longest = new string('y', SurrogateKeys.MaxLength);

        var capped = SurrogateKeys.FromHeaders(new HeaderDictionary { ["Surrogate-Key"] = many, ["Cache-Tag"] = "late" });
        var filtered = SurrogateKeys.FromHeaders(new HeaderDictionary { ["Surrogate-Key"] = $"{oversized} ok {longest}" });

        Assert.Equal(SurrogateKeys.MaxCount, capped.Length);
        Assert.Equal("t0", capped[0]);
        Assert.DoesNotContain("late", capped);
        Assert.Equal(["ok", longest], filtered);
    }
}
