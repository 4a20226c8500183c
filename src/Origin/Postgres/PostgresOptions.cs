namespace EdgeCache.Origin.Postgres;

/// <summary>Where an origin keeps its shared state in PostgreSQL (<c>Origin:Postgres</c>); unset, it keeps it in files under <c>--data</c>.</summary>
public sealed class PostgresOptions
{
    /// <summary>An Npgsql connection string; its <c>Search Path</c> picks the schema, so several fleets can share one database.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>How often an origin reads the log's head when no notification came: a lost NOTIFY delays a change by at most this.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a statement is retried on transient errors (a restarting server, a lost connection) before the call fails.</summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromSeconds(30);
}
