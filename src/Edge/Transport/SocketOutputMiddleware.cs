using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Edge.Transport;

/// <summary>
/// Connection middleware that puts a <see cref="SocketOutput"/> between Kestrel and the socket,
/// so responses can send file ranges with <c>sendfile</c> (<see cref="ISendFileFeature"/>).
/// It has to sit directly on the socket: TLS would have to encrypt those bytes, so a TLS
/// connection never offers the feature.
/// </summary>
internal sealed class SocketOutputMiddleware(ConnectionDelegate next, long bufferSize, ILogger logger)
{
    public async Task OnConnectedAsync(ConnectionContext connection)
    {
        var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
        if (socket is null)
        {
            await next(connection);
            return;
        }

        var transport = connection.Transport;
        var output = new SocketOutput(socket, connection, connection.Features.Get<IMemoryPoolFeature>()?.MemoryPool, bufferSize, logger);
        connection.Transport = new DuplexPipe(transport.Input, output);
        connection.Features.Set<ISendFileFeature>(output);
        try
        {
            await next(connection);
        }
        finally
        {
            // Everything written goes out before the transport shuts the socket down.
            output.Complete();
            await output.Sending;
            connection.Transport = transport;
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
