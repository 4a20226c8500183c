using Microsoft.AspNetCore.Http;

namespace EdgeCache.Benchmarks;

/// <summary>The request the benchmarks answer: a versioned stylesheet, with the headers a current browser sends.</summary>
internal static class BrowserRequest
{
    public const string Host = "127.0.0.1:8080";
    public const string Path = "/static/css/site.css";
    public const string Query = "?v=3";

    /// <summary>The primary key of <see cref="Path"/>, as <c>CacheKey</c> builds it.</summary>
    public const string Key = "http://" + Host + Path + Query;

    /// <summary>What browsers send, which is not the normal form <c>VaryKey</c> stores (that is sorted).</summary>
    public const string AcceptEncoding = "gzip, deflate, br, zstd";

    public const string UserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

    /// <summary>Sets <paramref name="request"/> to a GET of <paramref name="path"/> from a browser.</summary>
    public static void Populate(HttpRequest request, string path = Path)
    {
        request.Method = HttpMethods.Get;
        request.Scheme = "http";
        request.Host = new HostString(Host);
        request.Path = path;
        request.QueryString = new QueryString(Query);
        var headers = request.Headers;
        headers.UserAgent = UserAgent;
        headers.Accept = "text/css,*/*;q=0.1";
        headers.AcceptEncoding = AcceptEncoding;
        headers.AcceptLanguage = "en-US,en;q=0.9";
    }

    /// <summary>Request headers alone, for lookups that take no request.</summary>
    public static IHeaderDictionary Headers(string acceptEncoding = AcceptEncoding)
    {
        var context = new DefaultHttpContext();
        Populate(context.Request);
        context.Request.Headers.AcceptEncoding = acceptEncoding;
        return context.Request.Headers;
    }
}
