using Microsoft.AspNetCore.Http;

namespace EdgeCache.Edge.Transport;

/// <summary>
/// Sends part of a file as response body with <c>sendfile</c>: the kernel reads the pages
/// itself, so the bytes are copied neither into Kestrel's output buffers nor into the socket.
/// Present on plain HTTP/1.x connections of an edge with <c>Edge:ZeroCopy</c> on.
/// </summary>
internal interface ISendFileFeature
{
    /// <summary>
    /// Writes <paramref name="count"/> bytes of <paramref name="file"/> from <paramref name="offset"/>
    /// as the next bytes of the body of <paramref name="response"/>, which must have started and
    /// declared its length. Completes once the kernel holds them; false when the connection went first.
    /// The caller keeps the file range unchanged until then.
    /// </summary>
    ValueTask<bool> SendFileAsync(HttpResponse response, FileStream file, long offset, int count, CancellationToken cancellationToken);
}
