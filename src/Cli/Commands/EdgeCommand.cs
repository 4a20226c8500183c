using System.CommandLine;
using EdgeCache.Cli.Options;
using EdgeCache.Cli.Rendering;
using EdgeCache.Edge.Hosting;
using EdgeCache.Edge.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeCache.Cli.Commands;

/// <summary><c>edgecache edge</c>: runs one edge node, a caching reverse proxy.</summary>
internal static class EdgeCommand
{
    public static Command Create(CliConsole console)
    {
        var listen = new Option<string>("--listen") { Description = "Addresses to serve clients on, comma-separated, e.g. http://127.0.1.1:8080 or http://0.0.0.0:80,https://0.0.0.0:443 (port 0 picks a free port). Env: EDGECACHE_LISTEN." };
        var cert = new Option<string>("--cert") { Description = "PEM certificate (and intermediates) for https:// addresses; reloaded when the file changes. Env: EDGECACHE_CERT." };
        var key = new Option<string>("--key") { Description = "PEM private key of --cert. Env: EDGECACHE_KEY." };
        var upstream = new Option<string>("--upstream") { Description = "Default upstream URL for every path no configured route claims; defaults to --origin. Env: EDGECACHE_UPSTREAM." };
        var origin = new Option<string>("--origin") { Description = "Origin whose change feed this edge follows (needs --token). Env: EDGECACHE_ORIGIN." };
        var region = new Option<string>("--region") { Description = "Region this edge serves, reported to the origin. Env: EDGECACHE_REGION." };
        var cacheSize = new Option<string>("--cache-size") { Description = "Memory budget of the cache, e.g. 256MB (default) or 2GB. Env: EDGECACHE_CACHE_SIZE." };
        var config = new Option<FileInfo>("--config") { Description = "JSON config file: Edge settings and YARP routes and clusters (ReverseProxy section). Env: EDGECACHE_CONFIG." };
        var token = new Option<string>("--token") { Description = "Bearer token for /_edge/ admin endpoints and the origin's feed. Env: EDGECACHE_TOKEN." };
        var id = new Option<string>("--id") { Description = "Name of this edge in Via, Cache-Status and the origin's fleet. Env: EDGECACHE_ID." };

        var command = new Command("edge", """
            Run an edge node: a caching reverse proxy in front of one or more upstreams.

            Example:
              edgecache edge --listen http://127.0.0.1:8080 --upstream http://127.0.0.1:9000 --cache-size 512MB
              edgecache edge --listen http://127.0.1.1:8080 --origin http://127.0.0.1:7000 --region us-east --id us-east-1 --token T
              edgecache edge --listen https://0.0.0.0:443 --cert /etc/edgecache/fullchain.pem --key /etc/edgecache/key.pem --upstream http://10.0.0.5:9000
            """)
        {
            listen, cert, key, upstream, origin, region, cacheSize, config, token, id,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var source = OptionSource.Of(parse);
            var settings = new Dictionary<string, string?>();
            CommandSettings.Put(settings, EdgeOptions.SectionName, nameof(EdgeOptions.Listen), source.Get(listen));
            CommandSettings.Put(settings, EdgeOptions.SectionName, nameof(EdgeOptions.Tls) + ":" + nameof(TlsOptions.Certificate), source.Get(cert) is { } certPath ? Path.GetFullPath(certPath) : null);
            CommandSettings.Put(settings, EdgeOptions.SectionName, nameof(EdgeOptions.Tls) + ":" + nameof(TlsOptions.Key), source.Get(key) is { } keyPath ? Path.GetFullPath(keyPath) : null);
            CommandSettings.Put(settings, EdgeOptions.SectionName, nameof(EdgeOptions.Upstream), source.Get(upstream));
            CommandSettings.Put(settings, EdgeOptions.SectionName, nameof(EdgeOptions.Origin), source.Get(origin));
            CommandSettings.Put(settings, EdgeOptions.SectionName, nameof(EdgeOptions.Region), source.Get(region));
            CommandSettings.Put(settings, EdgeOptions.SectionName, nameof(EdgeOptions.Token), source.Get(token));
            CommandSettings.Put(settings, EdgeOptions.SectionName, nameof(EdgeOptions.Id), source.Get(id));
            var size = source.Get(cacheSize);
            if (size is not null)
            {
                if (!ByteSize.TryParse(size, out _))
                {
                    throw new UsageException($"--cache-size: '{size}' is not a size; use a number with a unit such as 512MB or 2GB");
                }

                CommandSettings.Put(settings, EdgeOptions.SectionName, nameof(EdgeOptions.CacheSize), size);
            }

            var configPath = OptionSource.ConfigFile(parse, config);

            WebApplication app;
            try
            {
                app = EdgeApplication.Build(settings, configPath);
            }
            catch (OptionsValidationException invalid)
            {
                throw new UsageException(string.Join("; ", invalid.Failures));
            }

            if (app.Services.GetRequiredService<IOptions<EdgeOptions>>().Value.InlineScheduling)
            {
                // With Kestrel's inline scheduling, socket completions on the epoll thread save a thread
                // hop per read and write (1 KiB hits: about 45,000 -> 66,000 requests/s on one core). The
                // runtime reads this once, when the process first uses a socket: before the edge listens.
                Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
            }

            return await ServerRun.RunAsync(app, "edge", console, cancellationToken);
        });
        return command;
    }
}
