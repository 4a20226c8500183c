using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeCache.Origin.Tests.Postgres;

/// <summary>
/// A TCP relay in front of PostgreSQL that, once armed, lets one <c>COMMIT</c> through to the
/// server and then cuts that connection before the answer comes back: the commit happens, and
/// the client cannot know it did. Every other byte passes unchanged.
/// </summary>
internal sealed class CommitCuttingRelay : IAsyncDisposable
{
    private static readonly byte[] Commit = Encoding.ASCII.GetBytes("COMMIT\0");
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _armed;

    public CommitCuttingRelay(int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many commits were let through and then had their connection cut.</summary>
    public int Cut { get; private set; }

    /// <summary>Cuts the connection of the next commit that passes.</summary>
    public void ArmOnce() => Volatile.Write(ref _armed, 1);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptSocketAsync(_stop.Token);
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using (client)
        {
            try
            {
                await server.ConnectAsync(_target, _stop.Token);
                using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                await Task.WhenAny(PumpAsync(client, server, cutAfterCommit: true, done.Token), PumpAsync(server, client, cutAfterCommit: false, done.Token));
                await done.CancelAsync();
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // A peer went away, or the relay stops.
            }
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool cutAfterCommit, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), cancellationToken);
                if (cutAfterCommit && buffer.AsSpan(0, read).IndexOf(Commit) >= 0 && Interlocked.Exchange(ref _armed, 0) == 1)
                {
                    // Let the server take the commit; the client's side goes down before any answer.
                    Cut++;
                    from.LingerState = new LingerOption(true, 0);
                    from.Close();
                    return;
                }
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The other direction ended the connection.
        }
    }
}
