using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using EdgeCache.Dns.Answering;
using EdgeCache.Dns.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.Dns.Hosting;

/// <summary>
/// Serves DNS over UDP and TCP on one address and port: every query goes to the
/// <see cref="IDnsResponder"/> and its answer back to the sender. UDP datagrams are answered as they
/// come; TCP connections carry length-prefixed messages (RFC 1035 4.2.2, RFC 7766), answered in order.
/// Nothing a client sends stops the server: bad packets, a throwing responder, stalled connections.
/// </summary>
internal sealed partial class DnsServer : IHostedService, IDisposable
{
    /// <summary>The largest DNS message (the TCP length prefix is 16 bits), and so the receive buffer.</summary>
    private const int MaxMessage = ushort.MaxValue;

    /// <summary>The largest UDP payload over IPv4 (65535 minus the IP and UDP headers).</summary>
    private const int MaxUdpPayload = 65_507;

    /// <summary>With port 0, how often a new UDP port is tried when TCP finds the one UDP got taken.</summary>
    private const int BindAttempts = 5;

    private const int ListenBacklog = 512;

    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    /// <summary>After a failed accept (out of file descriptors), a pause so the loop does not spin.</summary>
    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(50);

    private readonly DnsOptions _options;
    private readonly IDnsResponder _responder;
    private readonly TimeProvider _time;
    private readonly ILogger<DnsServer> _logger;
    private readonly LogRateLimit _responderFailures;
    private readonly LogRateLimit _socketFailures;
    private readonly LogRateLimit _refusedConnections;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private Socket? _udp;
    private Socket? _tcp;
    private Task[] _loops = [];
    private int _openConnections;
    private long _connectionCount;
    private int _disposed;

    public DnsServer(IOptions<DnsOptions> options, IDnsResponder responder, TimeProvider time, ILogger<DnsServer> logger)
    {
        _options = options.Value;
        _responder = responder;
        _time = time;
        _logger = logger;
        _responderFailures = new LogRateLimit(time, LogInterval);
        _socketFailures = new LogRateLimit(time, LogInterval);
        _refusedConnections = new LogRateLimit(time, LogInterval);
    }

    /// <summary>The address and port both sockets are bound to (port 0 resolved); null until started.</summary>
    public IPEndPoint? Endpoint { get; private set; }

    /// <summary>TCP connections open now.</summary>
    public int OpenConnections => Volatile.Read(ref _openConnections);

    /// <summary>Binds UDP and TCP and starts serving.</summary>
    /// <exception cref="SocketException">The address and port cannot be bound; the message names them and the protocol.</exception>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!ListenEndpoint.TryParse(_options.Listen, out var listen))
        {
            throw new InvalidOperationException($"listen '{_options.Listen}' is not IP:PORT");
        }

        (_udp, _tcp) = Bind(listen);
        Endpoint = (IPEndPoint)_udp.LocalEndPoint!;
        var stopping = _stopping.Token;
        var udp = _udp;
        var tcp = _tcp;
        _loops =
        [
            .. Enumerable.Range(0, _options.UdpReceivers).Select(_ => Task.Run(() => ReceiveAsync(udp, stopping), CancellationToken.None)),
            Task.Run(() => AcceptAsync(tcp, stopping), CancellationToken.None),
        ];
        LogListening(_logger, Endpoint);
        return Task.CompletedTask;
    }

    /// <summary>Closes both sockets and every connection, and waits for the loops to end.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        _udp?.Dispose();
        _tcp?.Dispose();
        await Task.WhenAll([.. _loops, .. _connections.Values]).WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        // Registered as itself and as a hosted service, so the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        _udp?.Dispose();
        _tcp?.Dispose();
        _stopping.Dispose();
    }

    private static (Socket Udp, Socket Tcp) Bind(IPEndPoint listen)
    {
        for (var attempt = 1; ; attempt++)
        {
            var udp = NewSocket(listen, SocketType.Dgram, ProtocolType.Udp);
            Socket? tcp = null;
            try
            {
                udp.Bind(listen);
                var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
                tcp = NewSocket(listen, SocketType.Stream, ProtocolType.Tcp);
                tcp.Bind(new IPEndPoint(listen.Address, port));
                tcp.Listen(ListenBacklog);
                return (udp, tcp);
            }
            catch (SocketException inUse) when (inUse.SocketErrorCode == SocketError.AddressAlreadyInUse && listen.Port == 0 && tcp is not null && attempt < BindAttempts)
            {
                // The free UDP port is taken for TCP: another port, both protocols again.
                udp.Dispose();
                tcp.Dispose();
            }
            catch (SocketException failure)
            {
                udp.Dispose();
                tcp?.Dispose();
                throw new SocketException((int)failure.SocketErrorCode, $"{listen} ({(tcp is null ? "UDP" : "TCP")}): {failure.Message}");
            }
        }
    }

    private static Socket NewSocket(IPEndPoint listen, SocketType type, ProtocolType protocol)
    {
        var socket = new Socket(listen.AddressFamily, type, protocol);
        if (listen.Address.Equals(IPAddress.IPv6Any))
        {
            // [::] serves IPv4 clients too, as IPv4-mapped addresses (the responder gets them as IPv4).
            socket.DualMode = true;
        }

        return socket;
    }

    private async Task ReceiveAsync(Socket udp, CancellationToken stopping)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxMessage);
        EndPoint anyRemote = new IPEndPoint(udp.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                SocketReceiveFromResult received;
                try
                {
                    received = await udp.ReceiveFromAsync(buffer.AsMemory(0, MaxMessage), SocketFlags.None, anyRemote, stopping);
                }
                catch (Exception ended) when (stopping.IsCancellationRequested && ended is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }
                catch (SocketException failure)
                {
                    // ICMP port unreachable for an earlier answer (ConnectionReset) and the like concern one client, not the server.
                    if (failure.SocketErrorCode != SocketError.ConnectionReset && _socketFailures.TryEnter(out var suppressed))
                    {
                        LogReceiveFailed(_logger, failure.SocketErrorCode, suppressed);
                    }

                    continue;
                }

                var remote = (IPEndPoint)received.RemoteEndPoint;
                var answer = Answer(buffer.AsSpan(0, received.ReceivedBytes), remote, DnsTransport.Udp);
                if (answer is null)
                {
                    continue;
                }

                if (answer.Length > MaxUdpPayload)
                {
                    LogTooLarge(_logger, answer.Length, Name(DnsTransport.Udp), remote.Address);
                    continue;
                }

                try
                {
                    await udp.SendToAsync(answer, SocketFlags.None, remote, stopping);
                }
                catch (Exception ended) when (stopping.IsCancellationRequested && ended is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }
                catch (SocketException failure)
                {
                    LogSendFailed(_logger, remote, failure.SocketErrorCode);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task AcceptAsync(Socket tcp, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await tcp.AcceptAsync(stopping);
            }
            catch (Exception ended) when (stopping.IsCancellationRequested && ended is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            catch (SocketException failure)
            {
                if (_socketFailures.TryEnter(out var suppressed))
                {
                    LogAcceptFailed(_logger, failure.SocketErrorCode, suppressed);
                }

                try
                {
                    await Task.Delay(AcceptRetryDelay, _time, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            if (Interlocked.Increment(ref _openConnections) > _options.MaxTcpConnections)
            {
                Interlocked.Decrement(ref _openConnections);
                if (_refusedConnections.TryEnter(out var suppressed))
                {
                    LogTooManyConnections(_logger, connection.RemoteEndPoint, _options.MaxTcpConnections, suppressed);
                }

                connection.Dispose();
                continue;
            }

            var id = Interlocked.Increment(ref _connectionCount);
            var serving = Task.Run(() => ServeAsync(connection, stopping), CancellationToken.None);
            _connections[id] = serving;
            _ = serving.ContinueWith(_ => _connections.TryRemove(id, out Task? _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>Answers the connection's messages in order until it ends, sends a zero length, or stalls past the idle timeout.</summary>
    private async Task ServeAsync(Socket connection, CancellationToken stopping)
    {
        var remote = connection.RemoteEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.None, 0);
        var prefix = new byte[2];
        try
        {
            connection.NoDelay = true;
            await using var stream = new NetworkStream(connection, ownsSocket: true);
            while (true)
            {
                // One deadline for the whole message, length and body: a client trickling a byte at a time gains nothing.
                using var deadline = new CancellationTokenSource(_options.TcpIdleTimeout, _time);
                using var reading = CancellationTokenSource.CreateLinkedTokenSource(stopping, deadline.Token);
                if (await stream.ReadAtLeastAsync(prefix, prefix.Length, throwOnEndOfStream: false, reading.Token) < prefix.Length)
                {
                    return;
                }

                var length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
                if (length == 0)
                {
                    return;
                }

                var answer = await ReadAndAnswerAsync(stream, length, remote, reading.Token);
                if (answer is null)
                {
                    continue;
                }

                if (answer.Length > MaxMessage)
                {
                    LogTooLarge(_logger, answer.Length, Name(DnsTransport.Tcp), remote.Address);
                    return;
                }

                var framed = new byte[answer.Length + 2];
                BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)answer.Length);
                answer.CopyTo(framed.AsSpan(2));
                // A client that does not read its answers gets the same grace as one that does not send.
                using var writeDeadline = new CancellationTokenSource(_options.TcpIdleTimeout, _time);
                using var writing = CancellationTokenSource.CreateLinkedTokenSource(stopping, writeDeadline.Token);
                await stream.WriteAsync(framed, writing.Token);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (OperationCanceledException)
        {
            LogIdleClosed(_logger, remote, _options.TcpIdleTimeout);
        }
        catch (Exception lost) when (lost is IOException or SocketException or ObjectDisposedException)
        {
            LogConnectionLost(_logger, remote, lost.Message);
        }
        finally
        {
            connection.Dispose();
            Interlocked.Decrement(ref _openConnections);
        }
    }

    private async Task<byte[]?> ReadAndAnswerAsync(NetworkStream stream, int length, IPEndPoint remote, CancellationToken cancellationToken)
    {
        var message = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            if (await stream.ReadAtLeastAsync(message.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken) < length)
            {
                throw new EndOfStreamException("the connection ended inside a message");
            }

            return Answer(message.AsSpan(0, length), remote, DnsTransport.Tcp);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(message);
        }
    }

    /// <summary>The responder's answer; null when it has none or failed (logged, at most once per interval).</summary>
    private byte[]? Answer(ReadOnlySpan<byte> query, IPEndPoint remote, DnsTransport transport)
    {
        var client = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        try
        {
            return _responder.Respond(query, client, transport);
        }
#pragma warning disable CA1031 // A responder bug costs one query its answer, never the server.
        catch (Exception failure)
#pragma warning restore CA1031
        {
            if (_responderFailures.TryEnter(out var suppressed))
            {
                LogResponderFailed(_logger, failure, Name(transport), client, suppressed);
            }

            return null;
        }
    }

    private static string Name(DnsTransport transport) => transport == DnsTransport.Udp ? "UDP" : "TCP";

    [LoggerMessage(Level = LogLevel.Information, Message = "DNS listening on {Endpoint} (UDP and TCP)")]
    private static partial void LogListening(ILogger logger, IPEndPoint endpoint);

    [LoggerMessage(Level = LogLevel.Error, Message = "The responder failed on a {Transport} query from {Client}; no answer sent ({Suppressed} more failures since the last report)")]
    private static partial void LogResponderFailed(ILogger logger, Exception failure, string transport, IPAddress client, long suppressed);

    [LoggerMessage(Level = LogLevel.Error, Message = "An answer of {Length} octets over {Transport} to {Client} is too large to send; dropped")]
    private static partial void LogTooLarge(ILogger logger, int length, string transport, IPAddress client);

    [LoggerMessage(Level = LogLevel.Warning, Message = "UDP receive failed: {Error} ({Suppressed} more since the last report)")]
    private static partial void LogReceiveFailed(ILogger logger, SocketError error, long suppressed);

    [LoggerMessage(Level = LogLevel.Debug, Message = "UDP answer to {Client} not sent: {Error}")]
    private static partial void LogSendFailed(ILogger logger, IPEndPoint client, SocketError error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TCP accept failed: {Error} ({Suppressed} more since the last report)")]
    private static partial void LogAcceptFailed(ILogger logger, SocketError error, long suppressed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closed a TCP connection from {Client} at once: {Max} connections are open ({Suppressed} more closed since the last report)")]
    private static partial void LogTooManyConnections(ILogger logger, EndPoint? client, int max, long suppressed);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Closed the TCP connection of {Client}: no whole message within {Timeout}")]
    private static partial void LogIdleClosed(ILogger logger, IPEndPoint client, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Debug, Message = "TCP connection of {Client} ended: {Reason}")]
    private static partial void LogConnectionLost(ILogger logger, IPEndPoint client, string reason);
}
