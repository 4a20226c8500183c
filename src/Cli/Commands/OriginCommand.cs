using System.CommandLine;
using EdgeCache.Cli.Options;
using EdgeCache.Cli.Rendering;
using EdgeCache.Origin.Hosting;
using EdgeCache.Origin.Postgres;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

namespace EdgeCache.Cli.Commands;

/// <summary><c>edgecache origin</c>: runs the master: content store, change log and admin API.</summary>
internal static class OriginCommand
{
    public static Command Create(CliConsole console)
    {
        var listen = new Option<string>("--listen") { Description = "Address to serve edges and operators on, e.g. http://127.0.0.1:7000 (port 0 picks a free port). Env: EDGECACHE_LISTEN." };
        var data = new Option<string>("--data") { Description = "Folder for blobs, the manifest and the change log (created if missing). Env: EDGECACHE_DATA." };
        var token = new Option<string>("--token") { Description = "Bearer token of the admin API; without one the admin API is off. Env: EDGECACHE_TOKEN." };
        var content = new Option<string>("--content") { Description = "Directory tree to import at start; only changed files become changes. Env: EDGECACHE_CONTENT." };
        var config = new Option<FileInfo>("--config") { Description = "JSON config file with an Origin section (cache policies per prefix, limits). Env: EDGECACHE_CONFIG." };
        var postgres = new Option<string>("--postgres")
        {
            Description = "Npgsql connection string of a PostgreSQL shared by several origins: content, change log, fleet and acks live there "
                + "(--data then only caches blob bodies, in a temporary folder if not given). Without it, everything is in --data. Env: EDGECACHE_POSTGRES.",
        };

        var command = new Command("origin", """
            Run the origin: the master that stores content, logs every change and serves the admin API.

            Example:
              edgecache origin --listen http://127.0.0.1:7000 --data /var/lib/edgecache --token s3cret --content ./site
              edgecache origin --listen http://10.0.0.5:7000 --token s3cret \
                --postgres "Host=db.internal;Username=edgecache;Password=...;Database=edgecache"
            """)
        {
            listen, data, token, content, config, postgres,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var source = OptionSource.Of(parse);
            var settings = new Dictionary<string, string?>();
            CommandSettings.Put(settings, OriginOptions.SectionName, nameof(OriginOptions.Listen), source.Get(listen));
            CommandSettings.Put(settings, OriginOptions.SectionName, nameof(OriginOptions.Data), source.Get(data));
            CommandSettings.Put(settings, OriginOptions.SectionName, nameof(OriginOptions.Token), source.Get(token));
            CommandSettings.Put(settings, OriginOptions.SectionName, nameof(OriginOptions.Content), source.Get(content));
            CommandSettings.Put(settings, OriginOptions.SectionName + ":" + nameof(OriginOptions.Postgres), nameof(PostgresOptions.ConnectionString), source.Get(postgres));
            var configPath = OptionSource.ConfigFile(parse, config);

            WebApplication app;
            try
            {
                app = await OriginApplication.CreateAsync(settings, configPath, cancellationToken: cancellationToken);
            }
            catch (OptionsValidationException invalid)
            {
                throw new UsageException(string.Join("; ", invalid.Failures));
            }

            return await ServerRun.RunAsync(app, "origin", console, cancellationToken);
        });
        return command;
    }
}
