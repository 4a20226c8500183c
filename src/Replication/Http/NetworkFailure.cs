using System.Net.Sockets;

namespace EdgeCache.Replication.Http;

/// <summary>Which exceptions from an <see cref="HttpClient"/> call mean the peer could not be reached or went away.</summary>
public static class NetworkFailure
{
    /// <summary>
    /// True for <see cref="HttpRequestException"/>, <see cref="IOException"/> and a bare <see cref="SocketException"/>.
    /// </summary>
    /// <remarks>
    /// SocketsHttpHandler does not wrap every socket error: a new connection reset before the handler
    /// reads its peer's address throws SocketException 107 (not connected) as it is. Uncaught, that
    /// once stopped an edge's feed, and with it the edge.
    /// </remarks>
    public static bool Is(Exception exception) => exception is HttpRequestException or IOException or SocketException;
}
