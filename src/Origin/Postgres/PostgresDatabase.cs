using Microsoft.Extensions.Logging;
using Npgsql;

namespace EdgeCache.Origin.Postgres;

/// <summary>
/// The connection pool to the shared database, its schema brought up to date, and the retry policy
/// every store on it uses. One per origin process.
/// </summary>
public sealed partial class PostgresDatabase : IAsyncDisposable
{
    /// <summary>Taken (per transaction) while migrating; any constant the application owns.</summary>
    private const long MigrationLock = 0x45646765_43616368; // "EdgeCach"

    private PostgresDatabase(NpgsqlDataSource dataSource, string schema, PostgresRetry retry, PostgresOptions options)
    {
        DataSource = dataSource;
        Schema = schema;
        Retry = retry;
        Options = options;
    }

    internal NpgsqlDataSource DataSource { get; }

    /// <summary>The schema the tables live in (the connection string's search path): notifications of other schemas are not ours.</summary>
    internal string Schema { get; }

    internal PostgresRetry Retry { get; }

    internal PostgresOptions Options { get; }

    /// <summary>Connects (retrying while the server is starting), migrates the schema to the newest version and returns the database.</summary>
    public static async Task<PostgresDatabase> OpenAsync(PostgresOptions options, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ConnectionString);
        var logger = loggers.CreateLogger<PostgresDatabase>();
        var builder = new NpgsqlDataSourceBuilder(options.ConnectionString);
        builder.UseLoggerFactory(loggers);
        var dataSource = builder.Build();
        try
        {
            var retry = new PostgresRetry(options.RetryFor, time, logger);
            string schema;
            int from;
            int to;
            try
            {
                (schema, from, to) = await retry.RunAsync("migrating the schema", (_, ct) => MigrateAsync(dataSource, ct), cancellationToken);
            }
            catch (NpgsqlException failure)
            {
                var target = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                throw new InvalidOperationException(
                    $"cannot use PostgreSQL at {target.Host}:{target.Port} (database {target.Database ?? target.Username ?? "default"}): {failure.Message}", failure);
            }

            if (to > from)
            {
                LogMigrated(logger, schema, from, to);
            }

            return new PostgresDatabase(dataSource, schema, retry, options);
        }
        catch
        {
            await dataSource.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    private static async Task<(string Schema, int From, int To)> MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@lock)", connection, transaction))
        {
            command.Parameters.AddWithValue("lock", MigrationLock);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var command = new NpgsqlCommand(
            "CREATE TABLE IF NOT EXISTS edgecache_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
            connection,
            transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        string schema;
        int from;
        await using (var command = new NpgsqlCommand("SELECT current_schema(), coalesce(max(version), 0) FROM edgecache_migrations", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            schema = reader.GetString(0);
            from = reader.GetInt32(1);
        }

        if (from > PostgresMigrations.Steps.Count)
        {
            throw new InvalidOperationException(
                $"The database schema '{schema}' is at version {from}, newer than this origin knows ({PostgresMigrations.Steps.Count}): upgrade the origin.");
        }

        for (var version = from + 1; version <= PostgresMigrations.Steps.Count; version++)
        {
            await using var step = new NpgsqlCommand(PostgresMigrations.Steps[version - 1], connection, transaction);
            await step.ExecuteNonQueryAsync(cancellationToken);
            await using var record = new NpgsqlCommand("INSERT INTO edgecache_migrations (version) VALUES (@version)", connection, transaction);
            record.Parameters.AddWithValue("version", version);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return (schema, from, PostgresMigrations.Steps.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL schema {Schema} migrated from version {From} to {To}")]
    private static partial void LogMigrated(ILogger logger, string schema, int from, int to);
}
