using System.CommandLine;
using System.Globalization;
using EdgeCache.Cli.Options;
using EdgeCache.Cli.Rendering;
using EdgeCache.Dns.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeCache.Cli.Commands;

/// <summary><c>edgecache dns</c>: runs the authoritative GeoDNS responder that answers with the healthy edges.</summary>
internal static class DnsCommand
{
    public static Command Create(CliConsole console)
    {
        var listen = new Option<string>("--listen") { Description = "Address and port for UDP and TCP, e.g. 0.0.0.0:53 or [::]:53 (default 127.0.0.1:5353; port 0 picks a free port). Env: EDGECACHE_LISTEN." };
        var zone = new Option<string>("--zone") { Description = "Zone to answer for, e.g. cdn.example.net: its apex, <region>.<zone> and _http._tcp.<zone>. Env: EDGECACHE_ZONE." };
        var origin = new Option<string>("--origin") { Description = "Origin whose fleet says which edges are healthy (GET /_admin/fleet). Env: EDGECACHE_ORIGIN." };
        var token = new Option<string>("--token") { Description = "The origin's admin bearer token. Env: EDGECACHE_TOKEN." };
        var ttl = new Option<string>("--ttl") { Description = "TTL of the answers in seconds, 0 to 86400 (default 30). Env: EDGECACHE_TTL." };
        var geo = new Option<string>("--geo") { Description = "File of 'CIDR region' lines: clients in a network get that region's edges first. Env: EDGECACHE_GEO." };
        var config = new Option<FileInfo>("--config") { Description = "JSON config file with a Dns section (FleetRefresh, TcpIdleTimeout, MaxTcpConnections, ...). Env: EDGECACHE_CONFIG." };

        var command = new Command("dns", """
            Run the GeoDNS responder: an authoritative DNS server (UDP and TCP) for one zone that answers
            with the healthy edges, those of the client's region first, read from the origin's fleet.

            Example:
              edgecache dns --listen 0.0.0.0:53 --zone cdn.example.net --origin http://origin:7000 --token s3cret --geo regions.txt
              dig @127.0.0.1 -p 5353 cdn.example.net A
            """)
        {
            listen, zone, origin, token, ttl, geo, config,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var source = OptionSource.Of(parse);
            var settings = new Dictionary<string, string?>();
            CommandSettings.Put(settings, DnsOptions.SectionName, nameof(DnsOptions.Listen), source.Get(listen));
            CommandSettings.Put(settings, DnsOptions.SectionName, nameof(DnsOptions.Zone), source.Get(zone));
            CommandSettings.Put(settings, DnsOptions.SectionName, nameof(DnsOptions.Origin), source.Get(origin));
            CommandSettings.Put(settings, DnsOptions.SectionName, nameof(DnsOptions.Token), source.Get(token));
            CommandSettings.Put(settings, DnsOptions.SectionName, nameof(DnsOptions.Geo), source.Get(geo));
            CommandSettings.Put(settings, DnsOptions.SectionName, nameof(DnsOptions.Ttl),
                source.GetInt32(ttl, 0, (int)DnsOptions.MaxTtl)?.ToString(CultureInfo.InvariantCulture));
            var configPath = OptionSource.ConfigFile(parse, config);

            IHost host;
            try
            {
                host = DnsApplication.Build(settings, configPath);
            }
            catch (OptionsValidationException invalid)
            {
                throw new UsageException(string.Join("; ", invalid.Failures));
            }

            var options = host.Services.GetRequiredService<IOptions<DnsOptions>>().Value;
            return await ServerRun.RunAsync(
                host,
                () => [$"dns listening on {DnsApplication.EndpointOf(host)} zone {options.Zone!.TrimEnd('.')}"],
                console,
                cancellationToken);
        });
        return command;
    }
}
