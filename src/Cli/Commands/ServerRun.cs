using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EdgeCache.Cli.Commands;

/// <summary>Runs a built server until shutdown: starts it, says where it listens (<c>{role} listening on URL</c>), and waits.</summary>
internal static class ServerRun
{
    public static async Task<int> RunAsync(WebApplication app, string role, TextWriter output, CancellationToken cancellationToken)
    {
        await using (app)
        {
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException bindFailure)
            {
                await Console.Error.WriteLineAsync($"edgecache: cannot listen: {bindFailure.Message}");
                return EdgeCacheCommand.Failed;
            }

            foreach (var address in app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses)
            {
                await output.WriteLineAsync($"{role} listening on {address}");
            }

            await output.FlushAsync(cancellationToken);
            await app.WaitForShutdownAsync(cancellationToken);
        }

        return EdgeCacheCommand.Ok;
    }
}
