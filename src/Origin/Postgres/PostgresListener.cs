using Microsoft.Extensions.Logging;
using Npgsql;

namespace EdgeCache.Origin.Postgres;

/// <summary>
/// Keeps one connection LISTENing on a channel and calls back for every notification of this
/// database schema, and after <see cref="PostgresOptions.PollInterval"/> without one (a lost
/// notification only delays what the callback reads). Reconnects after failures until disposed;
/// after every (re)connect the callback runs once, for what happened while not listening.
/// </summary>
internal sealed partial class PostgresListener : IAsyncDisposable
{
    private readonly PostgresDatabase _db;
    private readonly string _channel;
    private readonly Func<string?, CancellationToken, Task> _heard;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _listening;

    /// <param name="heard">Called with the payload after the schema ("schema rest" gives "rest"), or null when polling.</param>
    public PostgresListener(PostgresDatabase db, string channel, Func<string?, CancellationToken, Task> heard, ILogger logger)
    {
        _db = db;
        _channel = channel;
        _heard = heard;
        _logger = logger;
        _listening = ListenAsync();
    }

    /// <summary>Sends a notification on <paramref name="channel"/> for this schema; part of <paramref name="transaction"/> when given.</summary>
    public static async Task NotifyAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string channel, string payload, CancellationToken cancellationToken)
    {
        await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, current_schema() || ' ' || @payload)", connection, transaction);
        notify.Parameters.AddWithValue("channel", channel);
        notify.Parameters.AddWithValue("payload", payload);
        await notify.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _listening;
        _stopping.Dispose();
    }

    private async Task ListenAsync()
    {
        await Task.Yield();
        var stopping = _stopping.Token;
        var failing = false;
        var delay = TimeSpan.FromMilliseconds(100);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _db.DataSource.OpenConnectionAsync(stopping);
                var heard = new Queue<string>();
                connection.Notification += (_, notification) =>
                {
                    var payload = notification.Payload;
                    var space = payload.IndexOf(' ', StringComparison.Ordinal);
                    if (space > 0 && payload.AsSpan(0, space).SequenceEqual(_db.Schema))
                    {
                        heard.Enqueue(payload[(space + 1)..]);
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {_channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stopping);
                }

                // Whatever happened before LISTEN took effect is read here.
                await _heard(null, stopping);
                if (failing)
                {
                    failing = false;
                    LogListeningAgain(_logger, _channel);
                }

                delay = TimeSpan.FromMilliseconds(100);
                while (true)
                {
                    var notified = await connection.WaitAsync(_db.Options.PollInterval, stopping);
                    if (!notified)
                    {
                        await _heard(null, stopping);
                        continue;
                    }

                    while (heard.TryDequeue(out var payload))
                    {
                        await _heard(payload, stopping);
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception failure) when (failure is NpgsqlException or IOException or TimeoutException or InvalidOperationException or InvalidDataException)
            {
                if (!failing)
                {
                    failing = true;
                    LogListenFailed(_logger, _channel, failure.Message);
                }

                try
                {
                    await Task.Delay(delay, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _db.Options.PollInterval.Ticks));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the PostgreSQL notifications on {Channel}: {Reason}; reconnecting")]
    private static partial void LogListenFailed(ILogger logger, string channel, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening on PostgreSQL channel {Channel} again")]
    private static partial void LogListeningAgain(ILogger logger, string channel);
}
