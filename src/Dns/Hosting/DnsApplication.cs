using System.Net;
using EdgeCache.Dns.Answering;
using EdgeCache.Dns.Fleet;
using EdgeCache.Dns.Geo;
using EdgeCache.Dns.Wire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.Dns.Hosting;

/// <summary>Builds the GeoDNS responder's host: the fleet watcher, the geo map, the responder and the UDP/TCP server, no Kestrel.</summary>
public static class DnsApplication
{
    /// <summary>
    /// Creates a DNS server from configuration: the <c>Dns</c> section (<see cref="DnsOptions"/>) and
    /// <c>Logging</c>. Settings given in <paramref name="settings"/> override those from
    /// <paramref name="configFile"/>; <paramref name="logging"/> adds log providers;
    /// <paramref name="time"/> replaces the system clock; <paramref name="responder"/> replaces the
    /// responder that answers queries.
    /// </summary>
    /// <exception cref="OptionsValidationException">A setting is wrong or the geo file cannot be read or parsed; one message per problem.</exception>
    public static IHost Build(
        IEnumerable<KeyValuePair<string, string?>> settings,
        string? configFile = null,
        Action<ILoggingBuilder>? logging = null,
        TimeProvider? time = null,
        Func<IServiceProvider, IDnsResponder>? responder = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
        });

        if (configFile is not null)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }

        builder.Configuration.AddInMemoryCollection(settings);

        var section = builder.Configuration.GetSection(DnsOptions.SectionName);
        var options = Bind(section);
        var validation = new DnsOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(DnsOptions.SectionName, typeof(DnsOptions), validation.Failures);
        }

        var geo = LoadGeo(options.Geo);

        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        // A start failure (an address in use or missing) reaches the caller as an exception; the host's own log of it is a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        // The fleet is read every few seconds; HttpClient's per-request lines would drown everything else.
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        logging?.Invoke(builder.Logging);

        var services = builder.Services;
        services.AddOptions<DnsOptions>().Bind(section);
        services.AddSingleton<IValidateOptions<DnsOptions>, DnsOptionsValidator>();
        services.TryAddSingleton(time ?? TimeProvider.System);
        services.AddSingleton(geo);
        services.AddSingleton<FleetWatcher>();
        services.AddSingleton<IFleetView>(sp => sp.GetRequiredService<FleetWatcher>());
        services.AddSingleton(responder ?? ZoneResponderOf);
        services.AddSingleton<DnsServer>();
        // Started in this order and stopped in reverse: the fleet is being read before the first query can come.
        services.AddHostedService(sp => sp.GetRequiredService<FleetWatcher>());
        services.AddHostedService(sp => sp.GetRequiredService<DnsServer>());
        return builder.Build();
    }

    /// <summary>The address and port a started DNS host serves UDP and TCP on (port 0 resolved).</summary>
    /// <exception cref="InvalidOperationException">The host has not started.</exception>
    public static IPEndPoint EndpointOf(IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.Services.GetRequiredService<DnsServer>().Endpoint
            ?? throw new InvalidOperationException("the DNS server has not started");
    }

    private static DnsOptions Bind(IConfigurationSection section)
    {
        try
        {
            return section.Get<DnsOptions>() ?? new DnsOptions();
        }
        catch (InvalidOperationException invalid)
        {
            // The binder's message names the key and the value it could not convert (a TTL of "ten").
            throw new OptionsValidationException(DnsOptions.SectionName, typeof(DnsOptions), [invalid.Message]);
        }
    }

    private static GeoMap LoadGeo(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return GeoMap.Empty;
        }

        try
        {
            return GeoMap.Load(Path.GetFullPath(path));
        }
        catch (FormatException invalid)
        {
            throw new OptionsValidationException(DnsOptions.SectionName, typeof(DnsOptions), [$"geo file {invalid.Message}"]);
        }
        catch (Exception unreadable) when (unreadable is IOException or UnauthorizedAccessException)
        {
            throw new OptionsValidationException(DnsOptions.SectionName, typeof(DnsOptions), [$"geo file '{path}' cannot be read: {unreadable.Message}"]);
        }
    }

    /// <summary>The zone's responder from the options; <c>ns.zone</c> answers the listen address unless it is a wildcard.</summary>
    private static ZoneResponder ZoneResponderOf(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<DnsOptions>>().Value;
        _ = ListenEndpoint.TryParse(options.Listen, out var listen);
        var nameServer = listen is null || listen.Address.Equals(IPAddress.Any) || listen.Address.Equals(IPAddress.IPv6Any) ? null : listen.Address;
        return new ZoneResponder(
            DnsName.Parse(options.Zone!),
            options.Ttl,
            nameServer,
            services.GetRequiredService<IFleetView>(),
            services.GetRequiredService<GeoMap>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<ZoneResponder>>());
    }
}
