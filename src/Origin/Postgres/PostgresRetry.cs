using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EdgeCache.Origin.Postgres;

/// <summary>
/// Runs a unit of database work again after transient errors (the server restarting or refusing
/// connections, a dropped connection, a serialization failure or deadlock), backing off from 50 ms
/// to 2 s, for at most <see cref="PostgresOptions.RetryFor"/>. The work must be safe to repeat:
/// it is told its attempt number, so a write can first look for what a lost commit may have done.
/// </summary>
internal sealed partial class PostgresRetry(TimeSpan retryFor, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);

    public Task RunAsync(string what, Func<int, CancellationToken, Task> work, CancellationToken cancellationToken)
        => RunAsync(
            what,
            async (attempt, ct) =>
            {
                await work(attempt, ct);
                return 0;
            },
            cancellationToken);

    public async Task<T> RunAsync<T>(string what, Func<int, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var delay = FirstDelay;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await work(attempt, cancellationToken);
            }
            catch (Exception failure) when (IsTransient(failure) && !cancellationToken.IsCancellationRequested && time.GetElapsedTime(started) + delay < retryFor)
            {
                LogRetrying(logger, what, attempt + 1, failure.Message, delay);
                await Task.Delay(delay, time, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }

    /// <summary>Whether <paramref name="failure"/> may pass when the same work is tried again.</summary>
    public static bool IsTransient(Exception failure) => failure switch
    {
        // 40001 serialization failure, 40P01 deadlock, 57P01-03 shutting down or starting, 53300 too many connections.
        PostgresException postgres => postgres.IsTransient || postgres.SqlState is "40001" or "40P01" or "57P01" or "57P02" or "57P03" or "53300",
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or SocketException or TimeoutException,
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL: {What} failed (attempt {Attempt}): {Reason}; retrying in {Delay}")]
    private static partial void LogRetrying(ILogger logger, string what, int attempt, string reason, TimeSpan delay);
}
