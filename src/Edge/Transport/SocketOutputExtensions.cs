using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Edge.Transport;

/// <summary>Adds <see cref="SocketOutputMiddleware"/> to a Kestrel endpoint.</summary>
internal static class SocketOutputExtensions
{
    /// <summary>
    /// Sends this endpoint's responses through a <see cref="SocketOutput"/>, which waits once
    /// <paramref name="bufferSize"/> bytes are unsent. Call it before <c>UseHttps</c>, if any.
    /// </summary>
    public static ListenOptions UseSocketOutput(this ListenOptions listen, long bufferSize)
    {
        var logger = listen.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger<SocketOutput>();
        listen.Use(next => new SocketOutputMiddleware(next, bufferSize, logger).OnConnectedAsync);
        return listen;
    }
}
