using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EdgeCache.Dns.Answering;
using EdgeCache.Dns.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.Dns.Tests.Hosting;

public sealed class DnsServerTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMilliseconds(300);

    // Servers in tests that are not about the idle timeout get one no stalled CI machine reaches:
    // with 300 ms, a pause between accept and read once closed a connection before its first answer.
    private static readonly TimeSpan LongIdleTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_UDP_query_is_answered_to_its_sender()
    {
        await using var server = await TestServer.StartAsync();
        var query = EchoResponder.Query(1, padding: 20);

        var answer = await UdpAskAsync(server.Endpoint, query);

        Assert.True(EchoResponder.IsAnswerTo(answer, query));
        Assert.Contains(((ushort)1, IPAddress.Loopback, DnsTransport.Udp), server.Responder.Queries);
    }

    [Fact]
    public async Task UDP_and_TCP_listen_on_the_same_port_the_server_reports()
    {
        await using var server = await TestServer.StartAsync();

        Assert.Equal(IPAddress.Loopback, server.Endpoint.Address);
        Assert.NotEqual(0, server.Endpoint.Port);
        using var tcp = await ConnectAsync(server.Endpoint);
        var query = EchoResponder.Query(2);
        await WriteFramedAsync(tcp.GetStream(), query);
        Assert.True(EchoResponder.IsAnswerTo(await ReadFramedAsync(tcp.GetStream()), query));
        Assert.True(EchoResponder.IsAnswerTo(await UdpAskAsync(server.Endpoint, query), query));
        Assert.Contains(((ushort)2, IPAddress.Loopback, DnsTransport.Tcp), server.Responder.Queries);
    }

    [Fact]
    public async Task Two_TCP_queries_sent_at_once_on_one_connection_are_answered_in_order()
    {
        await using var server = await TestServer.StartAsync();
        using var tcp = await ConnectAsync(server.Endpoint);
        var first = EchoResponder.Query(10, padding: 5);
        var second = EchoResponder.Query(11, padding: 300);

        // Both messages in one write: the server must split them by their length prefixes.
        await tcp.GetStream().WriteAsync((byte[])[.. Framed(first), .. Framed(second)]);

        Assert.True(EchoResponder.IsAnswerTo(await ReadFramedAsync(tcp.GetStream()), first));
        Assert.True(EchoResponder.IsAnswerTo(await ReadFramedAsync(tcp.GetStream()), second));
        // And the connection stays open for more.
        var third = EchoResponder.Query(12);
        await WriteFramedAsync(tcp.GetStream(), third);
        Assert.True(EchoResponder.IsAnswerTo(await ReadFramedAsync(tcp.GetStream()), third));
    }

    [Fact]
    public async Task A_TCP_client_that_stalls_inside_a_message_is_closed_after_the_idle_timeout_while_others_are_answered()
    {
        await using var server = await TestServer.StartAsync(options => options.TcpIdleTimeout = IdleTimeout);
        var stalled = Stopwatch.StartNew();
        using var slow = await ConnectAsync(server.Endpoint);
        await slow.GetStream().WriteAsync(new byte[] { 0 });

        using var other = await ConnectAsync(server.Endpoint);
        var query = EchoResponder.Query(20);
        await WriteFramedAsync(other.GetStream(), query);
        Assert.True(EchoResponder.IsAnswerTo(await ReadFramedAsync(other.GetStream()), query));

        Assert.True(await ClosedWithinAsync(slow.GetStream(), Within), "the stalled connection is still open");
        // Timers may fire a few milliseconds early; what matters is that the stall was given its time.
        Assert.True(stalled.Elapsed >= IdleTimeout * 0.8, $"closed after {stalled.Elapsed}, before the idle timeout");
    }

    [Fact]
    public async Task A_TCP_client_trickling_a_message_is_closed_when_the_timeout_for_the_whole_message_runs_out()
    {
        await using var server = await TestServer.StartAsync(options => options.TcpIdleTimeout = IdleTimeout);
        using var slow = await ConnectAsync(server.Endpoint);
        var stream = slow.GetStream();
        // 1 KiB announced, one octet every 50 ms: a timeout per read would keep this open for 50 s.
        byte[] message = [.. Framed(EchoResponder.Query(21, padding: 1012))];
        var closed = ClosedWithinAsync(stream, Within);
        var sent = 0;
        try
        {
            while (sent < message.Length && !closed.IsCompleted)
            {
                await stream.WriteAsync(message.AsMemory(sent, 1));
                sent++;
                await Task.WhenAny(closed, Task.Delay(50));
            }
        }
        catch (IOException)
        {
            // Writing to a connection the server reset.
        }

        Assert.True(await closed, "the trickling connection was never closed");
        Assert.True(sent < message.Length / 4, $"closed only after {sent} of {message.Length} octets");
    }

    [Fact]
    public async Task A_zero_length_message_or_the_end_of_the_stream_closes_the_connection()
    {
        await using var server = await TestServer.StartAsync();
        using var tcp = await ConnectAsync(server.Endpoint);

        await tcp.GetStream().WriteAsync(new byte[] { 0, 0 });

        Assert.True(await ClosedWithinAsync(tcp.GetStream(), Within));
        await WaitUntilAsync(() => server.OpenConnectionsBelow(1));
    }

    [Fact]
    public async Task Connections_beyond_the_maximum_are_closed_at_once_and_a_freed_slot_is_served_again()
    {
        await using var server = await TestServer.StartAsync(options => options.MaxTcpConnections = 2);
        using var first = await AnsweredConnectionAsync(server.Endpoint, 30);
        using var second = await AnsweredConnectionAsync(server.Endpoint, 31);

        using var third = await ConnectAsync(server.Endpoint);
        var refused = Stopwatch.StartNew();
        Assert.True(await ClosedWithinAsync(third.GetStream(), Within), "a connection beyond the maximum stayed open");
        // Far below the server's idle timeout: it was refused, not left to time out.
        Assert.True(refused.Elapsed < IdleTimeout * 3, $"closed after {refused.Elapsed}, not at once");
        Assert.Contains(server.Log.AtLeast(LogLevel.Warning), m => m.Contains("2 connections are open", StringComparison.Ordinal));

        first.Dispose();
        Assert.True(await WaitUntilAsync(async () =>
        {
            try
            {
                using var again = await AnsweredConnectionAsync(server.Endpoint, 32);
                return true;
            }
            catch (Exception closed) when (closed is IOException or EndOfStreamException)
            {
                return false;
            }
        }));
    }

    [Fact]
    public async Task A_responder_that_throws_costs_one_answer_and_one_log_line_not_the_UDP_loop()
    {
        await using var server = await TestServer.StartAsync(options => options.UdpReceivers = 1);
        using var client = new UdpClient(AddressFamily.InterNetwork);
        var normal = EchoResponder.Query(40);

        for (var i = 0; i < 3; i++)
        {
            await client.SendAsync(EchoResponder.Query(EchoResponder.ThrowingId), server.Endpoint);
        }

        await client.SendAsync(normal, server.Endpoint);

        // The throwing queries got nothing, so the first datagram back answers the normal one.
        Assert.True(EchoResponder.IsAnswerTo(await ReceiveAsync(client), normal));
        var error = Assert.Single(server.Log.AtLeast(LogLevel.Error));
        Assert.Contains("The responder failed on a UDP query from 127.0.0.1", error);
    }

    [Fact]
    public async Task A_responder_that_throws_on_TCP_leaves_the_connection_answering()
    {
        await using var server = await TestServer.StartAsync();
        using var tcp = await ConnectAsync(server.Endpoint);
        var normal = EchoResponder.Query(41);

        await tcp.GetStream().WriteAsync((byte[])[.. Framed(EchoResponder.Query(EchoResponder.ThrowingId)), .. Framed(normal)]);

        Assert.True(EchoResponder.IsAnswerTo(await ReadFramedAsync(tcp.GetStream()), normal));
    }

    [Fact]
    public async Task Garbage_datagrams_do_not_stop_the_UDP_loop()
    {
        await using var server = await TestServer.StartAsync(options => options.UdpReceivers = 1);
        using var client = new UdpClient(AddressFamily.InterNetwork);
        var random = new Random(7);
        foreach (var size in new[] { 0, 1, 2, 11, 12, 513, 4096, 65_507 })
        {
            var garbage = new byte[size];
            random.NextBytes(garbage);
            if (size >= 2)
            {
                // Never the id of the query below, nor the one the responder throws on.
                BinaryPrimitives.WriteUInt16BigEndian(garbage, 0x0101);
            }

            await client.SendAsync(garbage, server.Endpoint);
        }

        var query = EchoResponder.Query(42);
        await client.SendAsync(query, server.Endpoint);

        byte[] answer;
        do
        {
            answer = await ReceiveAsync(client);
        }
        while (answer.Length < 2 || EchoResponder.IdOf(answer) != 42);

        Assert.True(EchoResponder.IsAnswerTo(answer, query));
    }

    [Fact]
    public async Task An_answer_to_a_client_that_went_away_does_not_stop_the_UDP_loop()
    {
        await using var server = await TestServer.StartAsync(options => options.UdpReceivers = 1);
        for (var i = 0; i < 5; i++)
        {
            // Closed at once: the answer meets a closed port (ICMP port unreachable).
            using var gone = new UdpClient(AddressFamily.InterNetwork);
            await gone.SendAsync(EchoResponder.Query(43), server.Endpoint);
        }

        var query = EchoResponder.Query(44);
        Assert.True(EchoResponder.IsAnswerTo(await UdpAskAsync(server.Endpoint, query), query));
    }

    [Fact]
    public async Task An_IPv6_address_is_served_over_UDP_and_TCP()
    {
        await using var server = await TestServer.StartAsync(options => options.Listen = "[::1]:0");
        var query = EchoResponder.Query(50);

        Assert.Equal(IPAddress.IPv6Loopback, server.Endpoint.Address);
        Assert.True(EchoResponder.IsAnswerTo(await UdpAskAsync(server.Endpoint, query), query));
        using var tcp = await ConnectAsync(server.Endpoint);
        await WriteFramedAsync(tcp.GetStream(), query);
        Assert.True(EchoResponder.IsAnswerTo(await ReadFramedAsync(tcp.GetStream()), query));
        Assert.Contains(((ushort)50, IPAddress.IPv6Loopback, DnsTransport.Tcp), server.Responder.Queries);
    }

    [Fact]
    public async Task Stopping_closes_every_socket_and_connection_without_a_warning()
    {
        // An idle timeout far beyond the test: stopping must cut the open connection, not wait for it.
        await using var server = await TestServer.StartAsync();
        using var idle = await AnsweredConnectionAsync(server.Endpoint, 60);
        var endpoint = server.Endpoint;

        using (var deadline = new CancellationTokenSource(Within))
        {
            await server.StopAsync(deadline.Token);
        }

        Assert.True(await ClosedWithinAsync(idle.GetStream(), Within));
        Assert.Empty(server.Log.AtLeast(LogLevel.Warning));
        // Both ports are free again.
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(endpoint);
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        tcp.Bind(endpoint);
    }

    [Fact]
    public async Task An_address_in_use_fails_the_start_with_the_address_and_protocol_named()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)taken.LocalEndPoint!).Port;

        var failure = await Assert.ThrowsAsync<SocketException>(() => TestServer.StartAsync(options => options.Listen = $"127.0.0.1:{port}"));

        Assert.Equal(SocketError.AddressAlreadyInUse, failure.SocketErrorCode);
        Assert.StartsWith($"127.0.0.1:{port} (UDP): ", failure.Message);
    }

    private static async Task<byte[]> UdpAskAsync(IPEndPoint server, byte[] query)
    {
        using var client = new UdpClient(server.AddressFamily);
        await client.SendAsync(query, server);
        return await ReceiveAsync(client);
    }

    private static async Task<byte[]> ReceiveAsync(UdpClient client)
    {
        using var deadline = new CancellationTokenSource(Within);
        return (await client.ReceiveAsync(deadline.Token)).Buffer;
    }

    private static async Task<TcpClient> ConnectAsync(IPEndPoint server)
    {
        var client = new TcpClient(server.AddressFamily);
        await client.ConnectAsync(server);
        return client;
    }

    /// <summary>A connection on which one query has been answered, so the server has accepted and counts it.</summary>
    private static async Task<TcpClient> AnsweredConnectionAsync(IPEndPoint server, ushort id)
    {
        var client = await ConnectAsync(server);
        try
        {
            var query = EchoResponder.Query(id);
            await WriteFramedAsync(client.GetStream(), query);
            Assert.True(EchoResponder.IsAnswerTo(await ReadFramedAsync(client.GetStream()), query));
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static byte[] Framed(byte[] message)
    {
        var framed = new byte[message.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)message.Length);
        message.CopyTo(framed, 2);
        return framed;
    }

    private static async Task WriteFramedAsync(NetworkStream stream, byte[] message) => await stream.WriteAsync(Framed(message));

    private static async Task<byte[]> ReadFramedAsync(NetworkStream stream)
    {
        using var deadline = new CancellationTokenSource(Within);
        var prefix = new byte[2];
        await stream.ReadExactlyAsync(prefix, deadline.Token);
        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        await stream.ReadExactlyAsync(message, deadline.Token);
        return message;
    }

    /// <summary>Whether the server closed the connection (end of stream or reset) within <paramref name="within"/>.</summary>
    private static async Task<bool> ClosedWithinAsync(NetworkStream stream, TimeSpan within)
    {
        using var deadline = new CancellationTokenSource(within);
        var buffer = new byte[1];
        try
        {
            return await stream.ReadAsync(buffer, deadline.Token) == 0;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static Task<bool> WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    private static async Task<bool> WaitUntilAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow + Within;
        while (DateTime.UtcNow < until)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(20);
        }

        return await condition();
    }

    /// <summary>A started <see cref="DnsServer"/> on 127.0.0.1, port 0, with an <see cref="EchoResponder"/>.</summary>
    private sealed class TestServer : IAsyncDisposable
    {
        private readonly DnsServer _server;

        private TestServer(DnsServer server, EchoResponder responder, RecordingLogger<DnsServer> log)
        {
            _server = server;
            Responder = responder;
            Log = log;
        }

        public EchoResponder Responder { get; }

        public RecordingLogger<DnsServer> Log { get; }

        public IPEndPoint Endpoint => _server.Endpoint!;

        public static async Task<TestServer> StartAsync(Action<DnsOptions>? configure = null)
        {
            var options = new DnsOptions { Listen = "127.0.0.1:0", TcpIdleTimeout = LongIdleTimeout, UdpReceivers = 2 };
            configure?.Invoke(options);
            var responder = new EchoResponder();
            var log = new RecordingLogger<DnsServer>();
            var server = new DnsServer(Options.Create(options), responder, TimeProvider.System, log);
            try
            {
                await server.StartAsync(CancellationToken.None);
            }
            catch
            {
                server.Dispose();
                throw;
            }

            return new TestServer(server, responder, log);
        }

        public bool OpenConnectionsBelow(int count) => _server.OpenConnections < count;

        public async Task StopAsync(CancellationToken cancellationToken) => await _server.StopAsync(cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await _server.StopAsync(CancellationToken.None);
            _server.Dispose();
        }
    }
}
