using Microsoft.AspNetCore.Http;
using Microsoft.Win32.SafeHandles;

namespace EdgeCache.Edge.Transport;

/// <summary>
/// Sends part of a file as response body with <c>sendfile</c>: the kernel reads the pages
/// itself, so the bytes are copied neither into Kestrel's output buffers nor into the socket.
/// Present on plain HTTP/1.x connections of an edge with <c>Edge:ZeroCopy</c> on.
/// </summary>
internal interface ISendFileFeature
{
    /// <summary>
    /// Writes <paramref name="bytes"/>, which are the bytes of <paramref name="file"/> from
    /// <paramref name="offset"/> mapped in memory, as the next bytes of the body of
    /// <paramref name="response"/>, which must have started and declared its length. What the
    /// socket takes at once goes with <c>sendfile</c>; the rest, when its send buffer is full, goes
    /// from <paramref name="bytes"/> by the socket's ordinary send, which waits for room on the
    /// socket engine's own thread (.NET's asynchronous sendfile would resume on the thread pool).
    /// Completes once the kernel holds them all; false when the connection went first. The caller
    /// keeps the range unchanged until then.
    /// </summary>
    ValueTask<bool> SendFileAsync(HttpResponse response, SafeFileHandle file, long offset, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);
}
