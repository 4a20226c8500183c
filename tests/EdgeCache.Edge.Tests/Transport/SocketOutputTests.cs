using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeCache.Edge.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace EdgeCache.Edge.Tests.Transport;

/// <summary>
/// A real Kestrel server with <see cref="SocketOutput"/> on its endpoint, over real sockets: file
/// ranges sent with sendfile land at their place among Kestrel's own bytes, on keep-alive and
/// pipelined connections, and a client that goes away mid-range frees the request.
/// </summary>
public sealed class SocketOutputTests : IAsyncLifetime
{
    private const int FileLength = 4 * 1024 * 1024 + 13;
    private static readonly byte[] FileBytes = TestBytes.Pattern(FileLength, seed: 3);
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"socket-output-{Guid.NewGuid():N}.bin");
    private readonly TaskCompletionSource<bool> _abortedRangeEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SafeFileHandle _file = null!;
    private WebApplication _app = null!;
    private Uri _base = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllBytesAsync(_path, FileBytes);
        _file = File.OpenHandle(_path);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseSocketOutput(256 * 1024)));
        _app = builder.Build();
        // Text before and after the range, so a range out of its place shows.
        _app.MapGet("/range/{offset:long}/{count:int}", async (HttpContext context, long offset, int count) =>
        {
            var prefix = Encoding.ASCII.GetBytes($"<{offset}>");
            context.Response.ContentLength = prefix.Length + count + 1;
            await context.Response.StartAsync();
            await context.Response.BodyWriter.WriteAsync(prefix);
            var sent = await context.Features.GetRequiredFeature<ISendFileFeature>().SendFileAsync(context.Response, _file, offset, FileBytes.AsMemory((int)offset, count), context.RequestAborted);
            if (sent)
            {
                await context.Response.BodyWriter.WriteAsync("!"u8.ToArray());
            }
            else
            {
                _abortedRangeEnded.TrySetResult(true);
            }
        });
        _app.MapGet("/text/{length:int}", (int length) => Results.Text(new string('t', length)));
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        _base = new Uri(address);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _file.Dispose();
        File.Delete(_path);
    }

    [Fact]
    public async Task Ranges_and_ordinary_responses_alternate_on_one_keep_alive_connection_with_every_byte_in_place()
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = _base };
        (long Offset, int Count)[] ranges = [(0, 1), (0, 100 * 1024), (12345, 64 * 1024 + 1), (FileLength - 70000, 70000), (1, FileLength - 1), (4096, 300 * 1024)];
        foreach (var (offset, count) in ranges)
        {
            var body = await client.GetByteArrayAsync($"/range/{offset}/{count}");
            AssertRange(body, offset, count);
            var text = await client.GetStringAsync("/text/5000");
            Assert.Equal(new string('t', 5000), text);
        }
    }

    [Fact]
    public async Task Pipelined_requests_get_their_ranges_in_order()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, _base.Port);
        (long Offset, int Count)[] ranges = [(10, 200 * 1024), (0, 17), (999, 1024 * 1024)];
        var requests = string.Concat(ranges.Select(r => $"GET /range/{r.Offset}/{r.Count} HTTP/1.1\r\nHost: x\r\n\r\n"));
        await socket.SendAsync(Encoding.ASCII.GetBytes(requests));
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (var (offset, count) in ranges)
        {
            var body = await ReadResponseAsync(stream, timeout.Token);
            AssertRange(body, offset, count);
        }
    }

    [Fact]
    public async Task A_client_that_reads_slowly_gets_a_large_range_whole()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(IPAddress.Loopback, _base.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /range/5/{FileLength - 5} HTTP/1.1\r\nHost: x\r\n\r\n"));
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var body = await ReadResponseAsync(new TricklingStream(stream), timeout.Token);
        AssertRange(body, 5, FileLength - 5);
    }

    [Fact]
    public async Task A_client_that_goes_away_mid_range_ends_the_request_and_the_server_serves_on()
    {
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 })
        {
            await socket.ConnectAsync(IPAddress.Loopback, _base.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /range/0/{FileLength} HTTP/1.1\r\nHost: x\r\n\r\n"));
            var some = new byte[1024];
            Assert.True(await socket.ReceiveAsync(some) > 0);
            socket.LingerState = new LingerOption(true, 0);
        }

        Assert.True(await _abortedRangeEnded.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        using var client = new HttpClient { BaseAddress = _base };
        AssertRange(await client.GetByteArrayAsync("/range/7/70000"), 7, 70000);
    }

    private static void AssertRange(byte[] body, long offset, int count)
    {
        var prefix = Encoding.ASCII.GetBytes($"<{offset}>");
        Assert.Equal(prefix.Length + count + 1, body.Length);
        Assert.Equal(prefix, body[..prefix.Length]);
        Assert.True(FileBytes.AsSpan((int)offset, count).SequenceEqual(body.AsSpan(prefix.Length, count)), $"range {offset}+{count} differs");
        Assert.Equal((byte)'!', body[^1]);
    }

    /// <summary>Reads one Content-Length response off a raw connection and returns its body.</summary>
    private static async Task<byte[]> ReadResponseAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            await stream.ReadExactlyAsync(one, cancellationToken);
            head.Append((char)one[0]);
        }

        Assert.StartsWith("HTTP/1.1 200", head.ToString(), StringComparison.Ordinal);
        var lengthLine = head.ToString().Split("\r\n").Single(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        var body = new byte[int.Parse(lengthLine["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture)];
        await stream.ReadExactlyAsync(body, cancellationToken);
        return body;
    }

    /// <summary>Reads at most 8 KiB at a time, yielding between reads, so the server's sends wait on the client.</summary>
    private sealed class TricklingStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            return await inner.ReadAsync(buffer[..Math.Min(buffer.Length, 8192)], cancellationToken);
        }
    }
}
