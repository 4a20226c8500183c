using System.Net;
using System.Net.Sockets;

namespace EdgeCache.IntegrationTests.Infrastructure;

/// <summary>
/// A TCP relay on loopback (port 0) in front of a target, standing in for the WAN between an
/// edge and its origin: it can be cut (every connection dropped, new ones refused by closing
/// them at once), stalled (connections stay open but no byte moves either way) and restored.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<(TcpClient Client, TcpClient Upstream)> _connections = [];
    private readonly Task _accepting;
    private TaskCompletionSource _flowing = NewOpenGate();
    private bool _cut;

    private TcpRelay(TcpListener listener, IPEndPoint target)
    {
        _listener = listener;
        _target = target;
        _accepting = AcceptAsync();
    }

    /// <summary>The relay's URL, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Url => $"http://{_listener.LocalEndpoint}";

    /// <summary>How many connections the relay has accepted so far.</summary>
    public int Accepted { get; private set; }

    /// <summary>A relay on <paramref name="address"/> (default 127.0.0.1) to the host and port of <paramref name="targetUrl"/>.</summary>
    public static TcpRelay Start(string targetUrl, IPAddress? address = null)
    {
        var target = new Uri(targetUrl);
        var listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        listener.Start();
        return new TcpRelay(listener, new IPEndPoint(IPAddress.Parse(target.Host), target.Port));
    }

    /// <summary>Drops every open connection and closes new ones at once until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        lock (_lock)
        {
            _cut = true;
            foreach (var (client, upstream) in _connections)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                upstream.Dispose();
            }

            _connections.Clear();
        }
    }

    /// <summary>Stops moving bytes on every connection, open or new, until <see cref="Restore"/>.</summary>
    public void Stall()
    {
        lock (_lock)
        {
            if (_flowing.Task.IsCompleted)
            {
                _flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Ends a cut or a stall.</summary>
    public void Restore()
    {
        lock (_lock)
        {
            _cut = false;
            _flowing.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        Cut();
        Restore();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private static TaskCompletionSource NewOpenGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            Accepted++;
            bool cut;
            lock (_lock)
            {
                cut = _cut;
            }

            if (cut)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(_target, _stop.Token);
            lock (_lock)
            {
                if (_cut)
                {
                    throw new IOException("cut while connecting");
                }

                _connections.Add((client, upstream));
            }

            client.NoDelay = true;
            upstream.NoDelay = true;
            await Task.WhenAny(
                PumpAsync(client.GetStream(), upstream.GetStream()),
                PumpAsync(upstream.GetStream(), client.GetStream()));
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // A cut, a stop or a peer that went away: the relay just closes both sides.
        }
        finally
        {
            lock (_lock)
            {
                _connections.Remove((client, upstream));
            }

            client.Dispose();
            upstream.Dispose();
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                // While stalled the bytes wait here, as on a link that stopped delivering.
                Task gate;
                lock (_lock)
                {
                    gate = _flowing.Task;
                }

                await gate.WaitAsync(_stop.Token);
                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The other pump or a cut closed the connection.
        }
    }
}
