using EdgeCache.Origin.Postgres;
using EdgeCache.Replication.Changes;
using EdgeCache.Replication.Tests.Changes;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EdgeCache.Origin.Tests.Postgres;

/// <summary>The change log contract against a real PostgreSQL, plus what only a log shared by several origins can get wrong.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresChangeLogTests(PostgresCluster cluster) : ChangeLogContract
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly Dictionary<string, string> _connectionStrings = [];
    private readonly List<PostgresDatabase> _databases = [];

    protected override async Task<IChangeLog> OpenAsync(string name) => await OpenPostgresAsync(name);

    protected override async Task CleanUpAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_origins_appending_at_once_get_gapless_seqs_and_each_learns_the_others_head()
    {
        var first = Track(await OpenPostgresAsync("shared"));
        var second = Track(await OpenPostgresAsync("shared"));

        var seqs = await Task.WhenAll(
            Task.Run(async () => await AppendManyAsync(first, "/one/")),
            Task.Run(async () => await AppendManyAsync(second, "/two/")));

        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), seqs.SelectMany(s => s).Order());
        Assert.All(seqs, s => Assert.Equal(s.Order(), s));
        Assert.True(await UntilAsync(() => first.Head == 200 && second.Head == 200), $"heads {first.Head} and {second.Head}");
        var all = await ReadAllAsync(first);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), all.Select(e => e.Seq));
        AssertSame(all, await ReadAllAsync(second));
    }

    [Fact]
    public async Task A_notification_wakes_a_waiter_on_another_origin_without_waiting_for_the_poll()
    {
        var follower = Track(await OpenPostgresAsync("notified", poll: TimeSpan.FromHours(1)));
        var writer = Track(await OpenPostgresAsync("notified", poll: TimeSpan.FromHours(1)));
        var waiting = follower.WaitForEntriesAsync(0);
        Assert.False(waiting.IsCompleted);

        await writer.AppendAsync([Put("/a")]);

        await waiting.WaitAsync(Patience);
        Assert.Equal(1, follower.Head);
    }

    [Fact]
    public async Task A_lost_notification_delays_a_change_until_the_poll_but_never_loses_it()
    {
        var follower = Track(await OpenPostgresAsync("polled", poll: TimeSpan.FromMilliseconds(200)));
        var waiting = follower.WaitForEntriesAsync(0);

        // Another origin's append whose NOTIFY never arrived: the rows and the head, no notification.
        await using (var connection = new NpgsqlConnection(_connectionStrings["polled"]))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                """
                INSERT INTO edgecache_log (seq, append_id, entry) VALUES (1, gen_random_uuid(), '{"seq":1,"at":"2026-12-06T00:00:00+00:00","op":"purge-all"}');
                UPDATE edgecache_log_state SET head = 1 WHERE id = 1;
                """,
                connection);
            await command.ExecuteNonQueryAsync();
        }

        await waiting.WaitAsync(Patience);
        Assert.Equal(1, follower.Head);
        Assert.Equal(ChangeOps.PurgeAll, Assert.Single(await follower.ReadAsync(0, 10)).Op);
    }

    [Fact]
    public async Task Appends_survive_a_server_restart_and_other_origins_hear_of_them_again()
    {
        var writer = Track(await OpenPostgresAsync("restart"));
        var follower = Track(await OpenPostgresAsync("restart", poll: TimeSpan.FromHours(1)));
        await writer.AppendAsync([Put("/before")]);

        await cluster.RestartAsync();
        var after = Assert.Single(await writer.AppendAsync([Put("/after")]));

        Assert.Equal(2, after.Seq);
        Assert.Equal(["/before", "/after"], (await ReadAllAsync(writer)).Select(e => e.Path));
        // The follower's listening connection died with the server; it reconnects and reads the head.
        await follower.WaitForEntriesAsync(1).WaitAsync(Patience);
        await writer.AppendAsync([Put("/later")]);
        await follower.WaitForEntriesAsync(2).WaitAsync(Patience);
    }

    [Fact]
    public async Task An_append_whose_commit_answer_was_lost_is_retried_without_appending_twice()
    {
        var direct = await ConnectionStringAsync("lost-commit");
        await using var relay = new CommitCuttingRelay(cluster.Port);
        var throughRelay = new NpgsqlConnectionStringBuilder(direct) { Port = relay.Port }.ConnectionString;
        var database = await PostgresDatabase.OpenAsync(new PostgresOptions { ConnectionString = throughRelay }, TimeProvider.System, NullLoggerFactory.Instance);
        _databases.Add(database);
        var log = Track(await PostgresChangeLog.OpenAsync(database, Retain, Time, NullLogger<PostgresChangeLog>.Instance));
        await log.AppendAsync([Put("/first")]);

        relay.ArmOnce();
        var appended = await log.AppendAsync([Put("/x"), Put("/y")]);

        Assert.Equal(1, relay.Cut);
        Assert.Equal([2L, 3L], appended.Select(e => e.Seq));
        Assert.Equal(3, log.Head);
        Assert.Equal(["/first", "/x", "/y"], (await ReadAllAsync(log)).Select(e => e.Path));
    }

    [Fact]
    public async Task Migrating_twice_at_once_applies_each_step_once_and_a_newer_schema_is_refused()
    {
        var connectionString = await ConnectionStringAsync("migrated");
        var options = new PostgresOptions { ConnectionString = connectionString };

        var opened = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => PostgresDatabase.OpenAsync(options, TimeProvider.System, NullLoggerFactory.Instance)));
        _databases.AddRange(opened);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var versions = new NpgsqlCommand("SELECT count(*), count(DISTINCT version), max(version) FROM edgecache_migrations", connection))
        await using (var reader = await versions.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            Assert.Equal(reader.GetInt64(0), reader.GetInt64(1));
            Assert.True(reader.GetInt32(2) >= 1);
        }

        await using (var newer = new NpgsqlCommand("INSERT INTO edgecache_migrations (version) VALUES (1000)", connection))
        {
            await newer.ExecuteNonQueryAsync();
        }

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => PostgresDatabase.OpenAsync(options, TimeProvider.System, NullLoggerFactory.Instance));
        Assert.Contains("version 1000", refused.Message);
        Assert.Contains("upgrade the origin", refused.Message);
    }

    private static async Task<List<long>> AppendManyAsync(IChangeLog log, string prefix)
    {
        var seqs = new List<long>();
        for (var i = 0; i < 100; i++)
        {
            seqs.Add(Assert.Single(await log.AppendAsync([Put(prefix + i)])).Seq);
        }

        return seqs;
    }

    private static async Task<bool> UntilAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow + Patience;
        while (!condition() && DateTime.UtcNow < until)
        {
            await Task.Delay(20);
        }

        return condition();
    }

    private async Task<string> ConnectionStringAsync(string name)
    {
        if (!_connectionStrings.TryGetValue(name, out var connectionString))
        {
            _connectionStrings[name] = connectionString = await cluster.NewSchemaAsync(name);
        }

        return connectionString;
    }

    private async Task<PostgresChangeLog> OpenPostgresAsync(string name, TimeSpan? poll = null)
    {
        var database = await PostgresDatabase.OpenAsync(
            new PostgresOptions { ConnectionString = await ConnectionStringAsync(name), PollInterval = poll ?? TimeSpan.FromSeconds(1) },
            TimeProvider.System,
            NullLoggerFactory.Instance);
        _databases.Add(database);
        return await PostgresChangeLog.OpenAsync(database, Retain, Time, NullLogger<PostgresChangeLog>.Instance);
    }
}
