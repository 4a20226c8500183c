using EdgeCache.Edge.Compression;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.Edge.Tests.Compression;

public sealed class AcceptEncodingMiddlewareTests
{
    [Theory]
    [InlineData("gzip, deflate, br, zstd", "br")]
    [InlineData("br;q=0, gzip", "gzip")]
    [InlineData("deflate", null)]
    [InlineData("identity", null)]
    public async Task The_header_is_replaced_with_the_selected_coding_or_removed(string accepted, string? normal)
    {
        var context = Request(accepted);

        await Middleware().InvokeAsync(context);

        var headers = context.Request.Headers;
        Assert.Equal(normal is not null, headers.ContainsKey("Accept-Encoding"));
        Assert.Equal(normal ?? string.Empty, headers.AcceptEncoding.ToString());
    }

    [Fact]
    public async Task A_request_asking_for_no_transform_gets_identity_and_one_without_the_header_is_left_alone()
    {
        var noTransform = Request("br");
        noTransform.Request.Headers.CacheControl = "no-transform";
        var without = new DefaultHttpContext();

        await Middleware().InvokeAsync(noTransform);
        await Middleware().InvokeAsync(without);

        Assert.False(noTransform.Request.Headers.ContainsKey("Accept-Encoding"));
        Assert.False(without.Request.Headers.ContainsKey("Accept-Encoding"));
    }

    [Fact]
    public void Normalising_a_browser_request_allocates_nothing()
    {
        var middleware = Middleware();
        var context = Request("gzip, deflate, br, zstd");
        middleware.InvokeAsync(context);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            context.Request.Headers.AcceptEncoding = "gzip, deflate, br, zstd";
            middleware.InvokeAsync(context);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal("br", context.Request.Headers.AcceptEncoding.ToString());
    }

    private static AcceptEncodingMiddleware Middleware() => new(_ => Task.CompletedTask);

    private static DefaultHttpContext Request(string acceptEncoding)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.AcceptEncoding = acceptEncoding;
        return context;
    }
}
