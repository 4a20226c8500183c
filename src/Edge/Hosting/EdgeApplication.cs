using EdgeCache.Edge.Admin;
using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Compression;
using EdgeCache.Edge.Protection;
using EdgeCache.Edge.Proxy;
using EdgeCache.Edge.Replication;
using EdgeCache.Edge.Storage;
using EdgeCache.Edge.Tls;
using EdgeCache.Edge.Transport;
using EdgeCache.Replication.Feed;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.Edge.Hosting;

/// <summary>Builds an edge node: Kestrel, the edge admin endpoints, and YARP with the cache in its pipeline.</summary>
public static class EdgeApplication
{
    /// <summary>Configuration section holding YARP routes and clusters.</summary>
    public const string ReverseProxySection = "ReverseProxy";

    /// <summary>
    /// Creates an edge from configuration: the <c>Edge</c> section (<see cref="EdgeOptions"/>), the
    /// <c>ReverseProxy</c> section (YARP routes and clusters), and <c>Logging</c>. Settings given in
    /// <paramref name="settings"/> override those from <paramref name="configFile"/>;
    /// <paramref name="logging"/> adds log providers (for example a collector in tests);
    /// <paramref name="time"/> replaces the system clock (tests move time forward by hand).
    /// </summary>
    public static WebApplication Build(
        IEnumerable<KeyValuePair<string, string?>> settings,
        string? configFile = null,
        Action<ILoggingBuilder>? logging = null,
        TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
        });

        if (configFile is not null)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: true);
        }

        builder.Configuration.AddInMemoryCollection(settings);

        var options = builder.Configuration.GetSection(EdgeOptions.SectionName).Get<EdgeOptions>() ?? new EdgeOptions();
        if (options.Upstream is null && options.Origin is not null)
        {
            // DESIGN.md, CLI contract: the upstream defaults to the origin.
            options.Upstream = options.Origin;
            builder.Configuration.AddInMemoryCollection([new(EdgeOptions.SectionName + ":" + nameof(EdgeOptions.Upstream), options.Origin)]);
        }

        var listen = ListenAddress.ParseList(options.Listen, out var listenProblems);
        Validate(options, builder.Configuration.GetSection(ReverseProxySection), listen, listenProblems);
        var certificates = LoadCertificates(options, listen);

        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        // The edge logs each upstream failure once, in its own words; the forwarder's warning would repeat it.
        builder.Logging.AddFilter("Yarp.ReverseProxy.Forwarder.HttpForwarder", LogLevel.Error);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // With this category on at any level, the host gives every request an Activity and a log
        // scope (about 1 KiB allocated per request); it only logs request starts and ends.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        // A start failure (an address in use or missing) reaches the caller as an exception; the host's own log of it is a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        logging?.Invoke(builder.Logging);

        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = options.InlineScheduling);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxResponseBufferSize = options.ResponseBufferSize.Bytes;
            var limits = options.Limits;
            kestrel.Limits.MaxRequestHeadersTotalSize = (int)limits.MaxHeadersSize.Bytes;
            kestrel.Limits.MaxRequestLineSize = (int)limits.MaxRequestLineSize.Bytes;
            kestrel.Limits.MaxRequestBodySize = limits.MaxBodySize.Bytes;
            kestrel.Limits.RequestHeadersTimeout = limits.HeadersTimeout;
            kestrel.Limits.KeepAliveTimeout = limits.KeepAliveTimeout;
            kestrel.Limits.MinRequestBodyDataRate = limits.MinBodyBytesPerSecond > 0
                ? new MinDataRate(limits.MinBodyBytesPerSecond, TimeSpan.FromSeconds(5))
                : null;
            foreach (var address in listen)
            {
                Listen(kestrel, address, endpoint => ConfigureEndpoint(endpoint, address, options));
            }
        });

        var services = builder.Services;
        services.AddOptions<EdgeOptions>().Bind(builder.Configuration.GetSection(EdgeOptions.SectionName));
        services.TryAddSingleton(time ?? TimeProvider.System);
        // Only YARP's session-affinity cookies use data protection; edges share no key ring, so keys stay in memory.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddSingleton<BodyArenaHost>();
        services.AddSingleton<ResponseCache>();
        services.AddSingleton<RequestCollapser>();
        services.AddSingleton<FreshnessPolicy>();
        services.AddSingleton<HeaderValuePool>();
        services.AddSingleton<ResponseAdmission>();
        services.AddSingleton<UpstreamFetcher>();
        services.AddSingleton<FeedSilence>();
        services.AddSingleton<RateLimitBuckets>();
        services.AddSingleton<DrainedDestinations>();
        services.AddSingleton<CompressionPolicy>();
        services.AddSingleton(AdminNetworks.TryParse(options.AdminNetworks, out _)!);
        if (certificates is not null)
        {
            services.AddSingleton(provider => ActivatorUtilities.CreateInstance<CertificateStore>(provider, certificates));
        }

        if (options.Origin is not null)
        {
            services.AddSingleton<ChangeApplier>();
            services.AddHostedService<FeedSubscriber>();
        }

        var proxy = services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection(ReverseProxySection))
            .AddConfigFilter<UpstreamTimeoutConfigFilter>()
            .AddTransforms<BackendShieldTransformProvider>();
        if (options.Upstream is not null)
        {
            // Upstreams that are the origins (the default) answer the feed protocol's health check.
            var healthPath = options.Upstream == options.Origin ? FeedProtocol.HealthPath : null;
            proxy.LoadFromMemory([DefaultUpstream.Route()], [DefaultUpstream.Cluster(Upstreams(options.Upstream), healthPath)]);
        }

        var app = builder.Build();
        if (options.RateLimits.Length > 0)
        {
            // Ahead of the cache: a client over its rate costs no lookup, hit or miss.
            app.UseMiddleware<ClientRateLimiter>();
        }

        if (options.Tls.RedirectHttp || options.Tls.HstsHeader() is not null)
        {
            app.UseMiddleware<TransportSecurityMiddleware>();
        }

        app.UseMiddleware<PathGuardMiddleware>();
        if (options.Compression.Enabled)
        {
            // Ahead of the cache, hits included: every client that takes brotli then selects one stored variant.
            app.UseMiddleware<AcceptEncodingMiddleware>();
        }

        app.UseMiddleware<FreshHitMiddleware>();
        // Called here, or the host puts routing in front of everything: fresh hits would pay for
        // matching the proxy's catch-all route and capturing its value, which they never use.
        app.UseRouting();
        app.UseMiddleware<PurgeMiddleware>();
        app.MapEdgeAdmin();
        app.MapReverseProxy(pipeline =>
        {
            pipeline.UseMiddleware<MethodAllowList>();
            pipeline.UseMiddleware<RequestBodyLimitMiddleware>();
            pipeline.UseMiddleware<CachingMiddleware>();
            if (options.Compression.Enabled)
            {
                // Behind the cache, so that its detached upstream fetches are compressed before they are stored;
                // ahead of the retry, so one compressed body covers every attempt.
                pipeline.UseMiddleware<CompressionMiddleware>();
            }

            pipeline.UseMiddleware<UpstreamRetryMiddleware>();
            pipeline.UseMiddleware<DrainFilterMiddleware>();
            pipeline.UseSessionAffinity();
            pipeline.UseLoadBalancing();
            pipeline.UsePassiveHealthChecks();
        });
        return app;
    }

    private static void Listen(KestrelServerOptions kestrel, ListenAddress address, Action<ListenOptions> configure)
    {
        if (address.Localhost)
        {
            kestrel.ListenLocalhost(address.Port, configure);
        }
        else if (address.Address is { } ip)
        {
            kestrel.Listen(ip, address.Port, configure);
        }
        else
        {
            kestrel.ListenAnyIP(address.Port, configure);
        }
    }

    private static void ConfigureEndpoint(ListenOptions endpoint, ListenAddress address, EdgeOptions options)
    {
        if (address.Https)
        {
            // HTTP/2 is offered by ALPN; the certificate comes per handshake, for the client's SNI name.
            endpoint.Protocols = HttpProtocols.Http1AndHttp2;
            var store = endpoint.ApplicationServices.GetRequiredService<CertificateStore>();
            endpoint.UseHttps(new TlsHandshakeCallbackOptions
            {
                OnConnection = store.OnConnection,
                HandshakeTimeout = options.Tls.HandshakeTimeout,
            });
        }
        else if (options.ZeroCopy && OperatingSystem.IsLinux())
        {
            // Plain connections only: sendfile bypasses TLS, which must encrypt every byte.
            endpoint.UseSocketOutput(options.ResponseBufferSize.Bytes);
        }
    }

    /// <summary>The configured certificates, loaded once before the edge starts so a bad file stops it with a clear message.</summary>
    private static CertificateSet? LoadCertificates(EdgeOptions options, IReadOnlyList<ListenAddress> listen)
    {
        if (!listen.Any(address => address.Https))
        {
            return null;
        }

        try
        {
            return CertificateSet.Load(options.Tls);
        }
        catch (CertificateLoadException e)
        {
            throw new OptionsValidationException(EdgeOptions.SectionName, typeof(EdgeOptions), [e.Message]);
        }
    }

    private static void Validate(EdgeOptions options, IConfigurationSection reverseProxy, IReadOnlyList<ListenAddress> listen, List<string> listenProblems)
    {
        if (listenProblems.Count > 0)
        {
            throw new OptionsValidationException(EdgeOptions.SectionName, typeof(EdgeOptions), listenProblems);
        }

        if (options.Tls.Problems().ToList() is { Count: > 0 } tls)
        {
            throw new OptionsValidationException(EdgeOptions.SectionName, typeof(EdgeOptions), tls);
        }

        var https = listen.Any(address => address.Https);
        if (https && !options.Tls.HasCertificates)
        {
            throw new OptionsValidationException(EdgeOptions.SectionName, typeof(EdgeOptions),
                ["an https:// listen address needs a certificate: give --cert FILE --key FILE, or Edge:Tls:Certificates"]);
        }

        if (!https && options.Tls.HasCertificates)
        {
            throw new OptionsValidationException(EdgeOptions.SectionName, typeof(EdgeOptions),
                ["certificates are configured but no listen address is https://; add one to --listen"]);
        }

        if (options.Tls.RedirectHttp && (!https || listen.All(address => address.Https)))
        {
            throw new OptionsValidationException(EdgeOptions.SectionName, typeof(EdgeOptions),
                ["Tls:RedirectHttp needs both an http:// and an https:// listen address"]);
        }

        if (options.Origin is not null)
        {
            ValidateFollowing(options);
        }

        if (options.Upstream is not null && Upstreams(options.Upstream).FirstOrDefault(u => !IsHttpUrl(u)) is { } invalid)
        {
            throw new OptionsValidationException(EdgeOptions.SectionName, typeof(EdgeOptions),
                [$"upstream '{invalid}' is not an absolute http:// or https:// URL"]);
        }

        if (options.Upstream is null && !reverseProxy.GetSection("Routes").GetChildren().Any())
        {
            throw new OptionsValidationException(EdgeOptions.SectionName, typeof(EdgeOptions),
                ["no upstream: give --upstream URL or --origin URL, or routes and clusters in the config file's ReverseProxy section"]);
        }

        if (options.ResponseBufferSize.Bytes <= 0)
        {
            throw new OptionsValidationException(EdgeOptions.SectionName, typeof(EdgeOptions), ["the response buffer size must be above zero"]);
        }

        if (options.CacheSize.Bytes <= 0)
        {
            throw new OptionsValidationException(EdgeOptions.SectionName, typeof(EdgeOptions), ["the cache size must be above zero"]);
        }

        if (AdminNetworks.TryParse(options.AdminNetworks, out var networkProblems) is null)
        {
            throw new OptionsValidationException(EdgeOptions.SectionName, typeof(EdgeOptions), networkProblems);
        }

        if (options.RateLimits.SelectMany(rule => rule.Problems()).ToList() is { Count: > 0 } rates)
        {
            throw new OptionsValidationException(EdgeOptions.SectionName, typeof(EdgeOptions), rates);
        }

        if (options.Limits.Problems().ToList() is { Count: > 0 } limits)
        {
            throw new OptionsValidationException(EdgeOptions.SectionName, typeof(EdgeOptions), limits);
        }

        if (options.Compression.Problems().ToList() is { Count: > 0 } compression)
        {
            throw new OptionsValidationException(EdgeOptions.SectionName, typeof(EdgeOptions), compression);
        }
    }

    /// <summary>The URLs of a comma-separated upstream (the origins, by default).</summary>
    private static string[] Upstreams(string upstream) => upstream.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static void ValidateFollowing(EdgeOptions options)
    {
        var failures = new List<string>();
        var origins = options.Origin!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (origins.Length == 0)
        {
            failures.Add("no origin URL: give --origin URL (or URL1,URL2)");
        }

        foreach (var origin in origins.Where(o => !IsHttpUrl(o)))
        {
            failures.Add($"origin '{origin}' is not an absolute http:// or https:// URL");
        }

        if (string.IsNullOrEmpty(options.Token))
        {
            failures.Add("following an origin needs its token: give --token T");
        }

        if (!FeedProtocol.IsValidName(options.Id))
        {
            failures.Add($"id '{options.Id}' is not 1 to 64 of A-Z a-z 0-9 . _ -");
        }

        if (!FeedProtocol.IsValidName(options.Region))
        {
            failures.Add($"region '{options.Region}' is not 1 to 64 of A-Z a-z 0-9 . _ -");
        }

        if (options.PublicEndpoint is not null && !IsHttpUrl(options.PublicEndpoint))
        {
            failures.Add($"public endpoint '{options.PublicEndpoint}' is not an absolute http:// or https:// URL");
        }

        if (options.MaxFeedSilence <= TimeSpan.Zero)
        {
            failures.Add("MaxFeedSilence must be above zero");
        }

        if (options.FeedReconnectDelay <= TimeSpan.Zero || options.FeedMaxReconnectDelay < options.FeedReconnectDelay)
        {
            failures.Add("FeedReconnectDelay must be above zero and at most FeedMaxReconnectDelay");
        }

        foreach (var prefix in options.Replicate)
        {
            if (prefix is null || !prefix.StartsWith('/'))
            {
                failures.Add($"replicate prefix '{prefix}' must start with '/'");
            }
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException(EdgeOptions.SectionName, typeof(EdgeOptions), failures);
        }
    }

    private static bool IsHttpUrl(string? value)
        => Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}
