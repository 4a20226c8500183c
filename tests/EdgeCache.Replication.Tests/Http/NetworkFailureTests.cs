using System.Net.Sockets;
using System.Text.Json;
using EdgeCache.Replication.Http;

namespace EdgeCache.Replication.Tests.Http;

public sealed class NetworkFailureTests
{
    [Fact]
    public void Socket_IO_and_HTTP_failures_are_network_failures_and_bugs_are_not()
    {
        Assert.True(NetworkFailure.Is(new SocketException((int)SocketError.NotConnected)));
        Assert.True(NetworkFailure.Is(new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.True(NetworkFailure.Is(new IOException("reset")));
        Assert.True(NetworkFailure.Is(new EndOfStreamException()));

        // Whatever else reaches a caller is a defect or bad data, and must not pass for a lost connection.
        Assert.False(NetworkFailure.Is(new InvalidOperationException()));
        Assert.False(NetworkFailure.Is(new JsonException()));
        Assert.False(NetworkFailure.Is(new OperationCanceledException()));
    }
}
