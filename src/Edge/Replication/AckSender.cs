using EdgeCache.Replication.Http;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Edge.Replication;

/// <summary>
/// Coalesced acks: at most one is in flight; asking while one is under way makes exactly one
/// more, sent when it returns with the latest applied seq, however often it was asked meanwhile.
/// </summary>
internal sealed partial class AckSender : IAsyncDisposable
{
    private readonly Func<long, CancellationToken, Task> _send;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private Task _running = Task.CompletedTask;
    private bool _inFlight;
    private bool _pending;
    private bool _failing;
    private long _applied;

    /// <param name="send">Sends one ack for an applied seq; throws when the origin did not take it.</param>
    public AckSender(Func<long, CancellationToken, Task> send, ILogger logger)
    {
        _send = send;
        _logger = logger;
    }

    /// <summary>Asks for an ack of <paramref name="applied"/>; returns at once.</summary>
    public void Request(long applied)
    {
        lock (_lock)
        {
            _applied = applied;
            if (_inFlight)
            {
                _pending = true;
                return;
            }

            _inFlight = true;
            _running = RunAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        Task running;
        lock (_lock)
        {
            running = _running;
        }

        await running;
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        // Off the caller's thread: the feed's apply loop never waits on the network.
        await Task.Yield();
        while (true)
        {
            long applied;
            lock (_lock)
            {
                applied = _applied;
                _pending = false;
            }

            try
            {
                await _send(applied, _stopping.Token);
                if (_failing)
                {
                    _failing = false;
                    LogAckRecovered(_logger, applied);
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception) when (NetworkFailure.Is(exception) || exception is OperationCanceledException)
            {
                // One warning per run of failures: the next heartbeat asks again anyway.
                if (!_failing)
                {
                    _failing = true;
                    LogAckFailed(_logger, applied, exception.Message);
                }
            }

            lock (_lock)
            {
                if (!_pending || _stopping.IsCancellationRequested)
                {
                    _inFlight = false;
                    return;
                }
            }
        }

        lock (_lock)
        {
            _inFlight = false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The origin did not take the ack of {Applied}: {Reason}; acks go on with the next change or heartbeat")]
    private static partial void LogAckFailed(ILogger logger, long applied, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The origin takes acks again (applied {Applied})")]
    private static partial void LogAckRecovered(ILogger logger, long applied);
}
