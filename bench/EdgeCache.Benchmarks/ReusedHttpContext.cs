using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeCache.Benchmarks;

/// <summary>
/// One <see cref="HttpContext"/> answered again and again, as Kestrel reuses one per connection:
/// the browser request is set once; the response has Kestrel's header collection and a body that
/// discards, and is reset before each request. The request headers stay the
/// <see cref="HeaderDictionary"/> of <see cref="DefaultHttpContext"/>, not Kestrel's own.
/// </summary>
internal sealed class ReusedHttpContext
{
    private readonly KestrelResponseFeature _response;
    private readonly DiscardingResponseBodyFeature _body = new();

    public ReusedHttpContext(string path)
    {
        _response = new KestrelResponseFeature(_body.Stream);
        var context = new DefaultHttpContext();
        BrowserRequest.Populate(context.Request, path);
        context.Features.Set<IHttpResponseFeature>(_response);
        context.Features.Set<IHttpResponseBodyFeature>(_body);
        Context = context;
    }

    public HttpContext Context { get; }

    /// <summary>Body bytes written since the last <see cref="ResetResponse"/>.</summary>
    public long BodyWritten => _body.Written;

    public void ResetResponse()
    {
        _response.Reset();
        _body.Reset();
    }
}
