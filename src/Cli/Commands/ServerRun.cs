using EdgeCache.Cli.Rendering;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace EdgeCache.Cli.Commands;

/// <summary>Runs a built server until shutdown: starts it, says where it listens (<c>{role} listening on ADDRESS</c>), and waits.</summary>
internal static class ServerRun
{
    /// <summary>Runs a Kestrel server; once started, its Urls are the addresses it bound (port 0 resolved).</summary>
    public static Task<int> RunAsync(WebApplication app, string role, CliConsole console, CancellationToken cancellationToken)
        => RunAsync(app, () => app.Urls.Select(address => $"{role} listening on {address}"), console, cancellationToken);

    /// <summary>Runs any host; <paramref name="listening"/> gives, once it started, the lines that say where it listens.</summary>
    public static async Task<int> RunAsync(IHost host, Func<IEnumerable<string>> listening, CliConsole console, CancellationToken cancellationToken)
    {
        try
        {
            try
            {
                await host.StartAsync(cancellationToken);
            }
            // Kestrel reports an address in use as an IOException, an address this machine lacks as the bare SocketException.
            catch (Exception bindFailure) when (bindFailure is IOException or System.Net.Sockets.SocketException)
            {
                await console.Error.WriteLineAsync($"edgecache: cannot listen: {bindFailure.Message}");
                return EdgeCacheCommand.Failed;
            }

            foreach (var line in listening())
            {
                await console.Out.WriteLineAsync(line);
            }

            await console.Out.FlushAsync(cancellationToken);
            await host.WaitForShutdownAsync(cancellationToken);
        }
        finally
        {
            await DisposeAsync(host);
        }

        return EdgeCacheCommand.Ok;
    }

    /// <summary>Disposes a host the way it prefers: WebApplication and the generic host dispose their services asynchronously.</summary>
    public static async Task DisposeAsync(IHost host)
    {
        if (host is IAsyncDisposable asynchronous)
        {
            await asynchronous.DisposeAsync();
        }
        else
        {
            host.Dispose();
        }
    }
}
