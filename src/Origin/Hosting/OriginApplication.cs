using EdgeCache.Origin.Admin;
using EdgeCache.Origin.Content;
using EdgeCache.Origin.Postgres;
using EdgeCache.Origin.Publishing;
using EdgeCache.Origin.Replication;
using EdgeCache.Origin.Serving;
using EdgeCache.Replication.Changes;
using EdgeCache.Replication.Feed;
using EdgeCache.Replication.Fleet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.Origin.Hosting;

/// <summary>Builds the origin: the content store and change log under <c>--data</c>, the admin API, the replication feed and content serving.</summary>
public static partial class OriginApplication
{
    /// <summary>
    /// Opens the stores (replaying the log onto the manifest after a crash), imports
    /// <c>Origin:Content</c> if set, and builds the web application; the caller starts it.
    /// </summary>
    public static async Task<WebApplication> CreateAsync(
        IEnumerable<KeyValuePair<string, string?>> settings,
        string? configFile = null,
        Action<ILoggingBuilder>? logging = null,
        TimeProvider? time = null,
        CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        if (configFile is not null)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }

        builder.Configuration.AddInMemoryCollection(settings);
        var options = builder.Configuration.GetSection(OriginOptions.SectionName).Get<OriginOptions>() ?? new OriginOptions();
        Validate(options);

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        // A start failure (an address in use or missing) reaches the caller as an exception; the host's own log of it is a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        logging?.Invoke(builder.Logging);
        builder.WebHost.UseUrls(options.Listen);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // The admin API enforces its own limit with a clear JSON error; Kestrel's only backs it up.
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes + (1 << 20);
        });

        time ??= TimeProvider.System;
        var services = builder.Services;
        services.AddOptions<OriginOptions>().Bind(builder.Configuration.GetSection(OriginOptions.SectionName));
        services.AddSingleton(time);

        // The stores are opened before the host is built: a store that cannot open is a start failure, not a 500 later.
        // They log through this factory for as long as the origin runs, so it lives until the origin stops.
        var loggers = LoggerFactory.Create(log =>
        {
            log.AddConfiguration(builder.Configuration.GetSection("Logging"));
            logging?.Invoke(log);
        });
        try
        {
            return await BuildAsync(builder, options, services, loggers, time, cancellationToken);
        }
        catch
        {
            loggers.Dispose();
            throw;
        }
    }

    private static async Task<WebApplication> BuildAsync(
        WebApplicationBuilder builder, OriginOptions options, IServiceCollection services, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken)
    {
        // On PostgreSQL the folder only caches blob bodies; without --data a temporary one does.
        var data = string.IsNullOrWhiteSpace(options.Data)
            ? Directory.CreateTempSubdirectory("edgecache-origin-").FullName
            : Path.GetFullPath(options.Data);
        IContentStore store;
        IChangeLog log;
        if (options.Postgres.ConnectionString is { Length: > 0 })
        {
            var database = await PostgresDatabase.OpenAsync(options.Postgres, time, loggers, cancellationToken);
            store = await PostgresContentStore.OpenAsync(database, Path.Combine(data, "cache"), time, loggers.CreateLogger<PostgresContentStore>(), cancellationToken);
            log = await PostgresChangeLog.OpenAsync(database, options.Log.Retain, time, loggers.CreateLogger<PostgresChangeLog>(), cancellationToken);
            var opened = log;
            // Resolved before the log, so the container disposes the connections after the log stopped listening.
            services.AddSingleton(_ => database);
            services.AddSingleton<IChangeLog>(provider =>
            {
                provider.GetRequiredService<PostgresDatabase>();
                return opened;
            });
            services.AddSingleton<IPublishLock>(provider => new PostgresPublishLock(provider.GetRequiredService<PostgresDatabase>()));
            services.AddHostedService<PostgresFleet>();
            services.AddHostedService<PostgresLogFollower>();
            LogSharedState(loggers.CreateLogger(typeof(OriginApplication).FullName!), database.Schema);
        }
        else
        {
            store = await FileContentStore.OpenAsync(data, time, loggers.CreateLogger<FileContentStore>(), cancellationToken);
            options.Log.Directory = Path.Combine(data, "log");
            log = await FileChangeLog.OpenAsync(options.Log, time, loggers.CreateLogger<FileChangeLog>(), cancellationToken);
            var opened = log;
            services.AddSingleton<IChangeLog>(_ => opened);
            services.AddSingleton<IPublishLock, LocalPublishLock>();
        }

        services.AddSingleton<IContentStore>(store);
        services.AddSingleton<PublishPipeline>();
        services.AddSingleton<PublishBatches>();
        services.AddSingleton<OriginMaintenance>();
        services.AddHostedService(provider => provider.GetRequiredService<OriginMaintenance>());
        services.AddSingleton(new FleetRegistry(time, options.HeartbeatInterval));
        var published = new PublishedHead();
        services.AddSingleton(published);
        services.AddSingleton(new FeedWriter(log, published, time, options.HeartbeatInterval));
        services.AddHttpClient<EdgeStatusClient>().RemoveAllLoggers();

        var app = builder.Build();
        app.Lifetime.ApplicationStopped.Register(loggers.Dispose);
        var pipeline = app.Services.GetRequiredService<PublishPipeline>();
        await pipeline.SyncAsync(cancellationToken);
        if (options.Content is not null)
        {
            await ImportAsync(app, pipeline, store, options.Content, cancellationToken);
        }

        app.UseMiddleware<DotSegmentGuard>();
        app.MapAdmin();
        app.MapReplication();
        app.MapContent();
        return app;
    }

    private static async Task ImportAsync(WebApplication app, PublishPipeline pipeline, IContentStore store, string directory, CancellationToken cancellationToken)
    {
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        var importer = new ContentImporter(store, loggers.CreateLogger<ContentImporter>());
        var changes = await importer.ImportAsync(Path.GetFullPath(directory), cancellationToken);
        var logger = loggers.CreateLogger(typeof(OriginApplication).FullName!);
        if (changes.Count > 0)
        {
            var committed = await pipeline.CommitAsync(changes, cancellationToken);
            LogImported(logger, changes.Count, directory, committed[^1].Seq);
        }
        else
        {
            LogImported(logger, 0, directory, store.AppliedSeq);
        }
    }

    private static void Validate(OriginOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Data) && string.IsNullOrWhiteSpace(options.Postgres.ConnectionString))
        {
            failures.Add("no data folder: give --data DIR (or --postgres CONNSTR)");
        }

        if (!Uri.TryCreate(options.Listen, UriKind.Absolute, out var listen) || listen.Scheme is not ("http" or "https"))
        {
            failures.Add($"listen address '{options.Listen}' is not an absolute http:// or https:// URL");
        }

        if (options.Content is not null && !Directory.Exists(options.Content))
        {
            failures.Add($"content folder '{options.Content}' not found");
        }

        if (options.MaxBodyBytes <= 0)
        {
            failures.Add("the body size limit must be above zero");
        }

        if (options.Log.Retain < 1 || options.Log.SegmentBytes < 1 || options.Log.CachedEntries < 0)
        {
            failures.Add("the change log needs Retain and SegmentBytes of at least 1 and CachedEntries of at least 0");
        }

        if (options.MaintenanceInterval <= TimeSpan.Zero || options.BatchExpiry <= TimeSpan.Zero)
        {
            failures.Add("MaintenanceInterval and BatchExpiry must be above zero");
        }

        if (options.HeartbeatInterval <= TimeSpan.Zero || options.StatusTimeout <= TimeSpan.Zero)
        {
            failures.Add("HeartbeatInterval and StatusTimeout must be above zero");
        }

        if (options.MaxOpenBatches < 1 || options.MaxBatchItems < 1)
        {
            failures.Add("MaxOpenBatches and MaxBatchItems must be at least 1");
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException(OriginOptions.SectionName, typeof(OriginOptions), failures);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Content, change log and fleet are in PostgreSQL (schema {Schema}), shared with every origin on it")]
    private static partial void LogSharedState(ILogger logger, string schema);

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported {Count} changed file(s) from {Directory}; now at seq {Seq}")]
    private static partial void LogImported(ILogger logger, int count, string directory, long seq);
}
