using EdgeCache.Origin.Publishing;
using Npgsql;

namespace EdgeCache.Origin.Postgres;

/// <summary>
/// The publish lock across origins: this process's turn first, then a session advisory lock on a
/// connection kept for as long as it is held. Should that connection die, the server releases the
/// lock; the log's state row and the manifest's applied seq still keep seqs gapless and changes
/// applied once, in order.
/// </summary>
internal sealed class PostgresPublishLock(PostgresDatabase db) : IPublishLock
{
    private const long PublishLock = 0x45646765_5075626C; // "EdgePubl"
    private readonly LocalPublishLock _local = new();

    public async Task<IAsyncDisposable> AcquireAsync(CancellationToken cancellationToken)
    {
        var local = await _local.AcquireAsync(cancellationToken);
        try
        {
            var connection = await db.Retry.RunAsync(
                "taking the publish lock",
                async (_, ct) =>
                {
                    var opened = await db.DataSource.OpenConnectionAsync(ct);
                    try
                    {
                        await using var take = new NpgsqlCommand("SELECT pg_advisory_lock(@lock)", opened);
                        take.Parameters.AddWithValue("lock", PublishLock);
                        await take.ExecuteNonQueryAsync(ct);
                        return opened;
                    }
                    catch
                    {
                        await opened.DisposeAsync();
                        throw;
                    }
                },
                cancellationToken);
            return new Held(connection, local);
        }
        catch
        {
            await local.DisposeAsync();
            throw;
        }
    }

    private sealed class Held(NpgsqlConnection connection, IAsyncDisposable local) : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }

            try
            {
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@lock)", connection);
                release.Parameters.AddWithValue("lock", PublishLock);
                await release.ExecuteNonQueryAsync();
            }
            catch (Exception failure) when (failure is NpgsqlException or IOException or InvalidOperationException)
            {
                // The connection is gone, and the server released the lock with it.
            }
            finally
            {
                await connection.DisposeAsync();
                await local.DisposeAsync();
            }
        }
    }
}
