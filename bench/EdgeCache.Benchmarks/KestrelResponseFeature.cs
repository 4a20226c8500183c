using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeCache.Benchmarks;

/// <summary>A response whose headers are Kestrel's collection, resettable between requests like Kestrel's own.</summary>
internal sealed class KestrelResponseFeature : IHttpResponseFeature
{
    private readonly KestrelResponseHeaders _headers = new();

    public KestrelResponseFeature(Stream body)
    {
        Headers = _headers.Headers;
        Body = body;
    }

    public int StatusCode { get; set; } = StatusCodes.Status200OK;

    public string? ReasonPhrase { get; set; }

    public IHeaderDictionary Headers { get; set; }

    public Stream Body { get; set; }

    // Never started: nothing here sends, and a hit must not care.
    public bool HasStarted => false;

    // Callbacks would run when the response starts, which it never does here; a hit registers none.
    public void OnStarting(Func<object, Task> callback, object state)
    {
    }

    public void OnCompleted(Func<object, Task> callback, object state)
    {
    }

    /// <summary>Back to a new response: status 200, no headers.</summary>
    public void Reset()
    {
        StatusCode = StatusCodes.Status200OK;
        ReasonPhrase = null;
        _headers.Reset();
    }
}
