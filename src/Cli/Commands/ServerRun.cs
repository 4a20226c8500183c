using EdgeCache.Cli.Rendering;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace EdgeCache.Cli.Commands;

/// <summary>Runs a built server until shutdown: starts it, says where it listens (<c>{role} listening on URL</c>), and waits.</summary>
internal static class ServerRun
{
    public static async Task<int> RunAsync(WebApplication app, string role, CliConsole console, CancellationToken cancellationToken)
    {
        await using (app)
        {
            try
            {
                await app.StartAsync(cancellationToken);
            }
            // Kestrel reports an address in use as an IOException, an address this machine lacks as the bare SocketException.
            catch (Exception bindFailure) when (bindFailure is IOException or System.Net.Sockets.SocketException)
            {
                await console.Error.WriteLineAsync($"edgecache: cannot listen: {bindFailure.Message}");
                return EdgeCacheCommand.Failed;
            }

            // Once started, Urls are the addresses the server bound (port 0 resolved).
            foreach (var address in app.Urls)
            {
                await console.Out.WriteLineAsync($"{role} listening on {address}");
            }

            await console.Out.FlushAsync(cancellationToken);
            await app.WaitForShutdownAsync(cancellationToken);
        }

        return EdgeCacheCommand.Ok;
    }
}
