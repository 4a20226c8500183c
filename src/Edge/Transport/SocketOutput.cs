using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace EdgeCache.Edge.Transport;

/// <summary>
/// A connection's output, in place of the socket transport's: Kestrel writes into it like into
/// any pipe, and its send loop hands the bytes to the socket, except for file ranges
/// (<see cref="ISendFileFeature"/>), which it sends with <c>sendfile</c> at their place in the stream.
/// </summary>
/// <remarks>
/// Kestrel counts the body bytes a response writes against its Content-Length, so a file range
/// goes through Kestrel's writer as <c>GetMemory</c>/<c>Advance</c> calls; this writer recognises
/// them (it is armed for exactly that many bytes) and hands out scratch memory nobody reads,
/// keeping instead the range's place between the bytes before and after it.
/// </remarks>
internal sealed partial class SocketOutput : PipeWriter, ISendFileFeature, IValueTaskSource<bool>
{
    /// <summary>The most a single <c>GetMemory</c> of an armed writer hands out; never read, never written by us.</summary>
    private static readonly byte[] Scratch = new byte[64 * 1024];

    private readonly Socket _socket;
    private readonly ConnectionContext _connection;
    private readonly ILogger _logger;
    private readonly Pipe _pipe;
    private readonly SocketSender _sender = new();
    private ManualResetValueTaskSourceCore<bool> _fileSent;

    // Bytes committed to the pipe so far, and bytes the loop has sent of them.
    private long _committed;
    private long _sent;

    // The file range in flight: armed while Kestrel advances over it, due once all of it was advanced.
    private SafeFileHandle? _file;
    private long _fileOffset;
    private ReadOnlyMemory<byte> _fileBytes;
    private int _fileCount;
    private int _fileAdvanced;
    private long _filePosition;
    private volatile bool _fileDue;
    private readonly Lock _closing = new();
    private bool _closed;

    public SocketOutput(Socket socket, ConnectionContext connection, MemoryPool<byte>? pool, long bufferSize, ILogger logger)
    {
        _socket = socket;
        _connection = connection;
        _logger = logger;
        // Same thresholds and scheduling as Kestrel's own socket output: writes wait once this
        // much is unsent, and the send loop runs on the writing thread when it can.
        _pipe = new Pipe(new PipeOptions(
            pool ?? MemoryPool<byte>.Shared,
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: bufferSize,
            resumeWriterThreshold: bufferSize / 2,
            useSynchronizationContext: false));
        Sending = SendLoopAsync();
    }

    /// <summary>The send loop; it ends once the writer completes and every byte went out, or the socket failed.</summary>
    public Task Sending { get; }

    public override bool CanGetUnflushedBytes => _pipe.Writer.CanGetUnflushedBytes;

    public override long UnflushedBytes => _pipe.Writer.UnflushedBytes;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        if (_file is not null && !_fileDue)
        {
            return sizeHint <= Scratch.Length
                ? Scratch
                : throw new InvalidOperationException($"A file range is written in steps of at most {Scratch.Length} bytes.");
        }

        return _pipe.Writer.GetMemory(sizeHint);
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        if (_file is not null && !_fileDue)
        {
            _fileAdvanced += bytes;
            return;
        }

        _pipe.Writer.Advance(bytes);
        _committed += bytes;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => _pipe.Writer.FlushAsync(cancellationToken);

    public override void CancelPendingFlush() => _pipe.Writer.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => _pipe.Writer.Complete(exception);

    public async ValueTask<bool> SendFileAsync(HttpResponse response, SafeFileHandle file, long offset, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var count = bytes.Length;
        if (!response.HasStarted || _file is not null)
        {
            throw new InvalidOperationException("A file range is sent in a started response, one at a time.");
        }

        _fileSent.Reset();
        _file = file;
        _fileOffset = offset;
        _fileBytes = bytes;
        _fileCount = count;
        _fileAdvanced = 0;
        var writer = response.BodyWriter;
        for (var left = count; left > 0;)
        {
            var step = Math.Min(left, Scratch.Length);
            writer.GetMemory(step);
            writer.Advance(step);
            left -= step;
        }

        if (_fileAdvanced != count)
        {
            // Kestrel buffered part of the range itself and would send our scratch memory in its
            // place: the response is beyond repair, so the connection goes before any of it does.
            _file = null;
            var error = new InvalidOperationException($"Kestrel took {count - _fileAdvanced} of {count} file bytes into its own buffers.");
            _connection.Abort(new ConnectionAbortedException(error.Message, error));
            throw error;
        }

        lock (_closing)
        {
            if (_closed)
            {
                _file = null;
                return false;
            }

            _filePosition = _committed;
            _fileDue = true;
        }

        try
        {
            await writer.FlushAsync(cancellationToken);
        }
        finally
        {
            // The bytes before the range may all have gone out already, leaving the loop nothing new to read.
            _pipe.Reader.CancelPendingRead();
        }

        var sent = new ValueTask<bool>(this, _fileSent.Version);
        if (sent.IsCompleted)
        {
            return sent.Result;
        }

        return await WaitForFileAsync(sent.AsTask(), count, response.HttpContext);
    }

    /// <summary>
    /// A client that stops reading would hold the connection and the body forever: past the
    /// time Kestrel's minimum response data rate allows for the range, the connection goes.
    /// </summary>
    private async Task<bool> WaitForFileAsync(Task<bool> sent, int count, HttpContext context)
    {
        var rate = context.Features.Get<IHttpMinResponseDataRateFeature>()?.MinDataRate;
        if (rate is null)
        {
            return await sent;
        }

        var allowed = rate.GracePeriod + TimeSpan.FromSeconds(count / rate.BytesPerSecond);
        if (await Task.WhenAny(sent, Task.Delay(allowed)) != sent)
        {
            LogFileTimedOut(_logger, _connection.ConnectionId, count, allowed.TotalSeconds);
            _connection.Abort(new ConnectionAbortedException("The client read the response too slowly."));
        }

        // The abort fails the send, which completes it.
        return await sent;
    }

    private async Task SendLoopAsync()
    {
        Exception? failure = null;
        var reader = _pipe.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                var sentFile = false;
                if (_fileDue && _filePosition <= _sent + buffer.Length)
                {
                    var before = buffer.Slice(0, _filePosition - _sent);
                    if (!before.IsEmpty)
                    {
                        // Usually the response's headers, which the socket takes at once: no trip through the engine.
                        var ahead = before.IsSingleSegment ? LinuxSocket.SendNow(_socket, before.FirstSpan) : 0;
                        if (ahead < before.Length)
                        {
                            await _sender.SendAsync(_socket, before.Slice(ahead));
                        }

                        _sent += before.Length;
                    }

                    // Most ranges fit the send buffer at once. The rest waits for room in an ordinary send
                    // from the mapping: the engine's own sendfile allocates on every call and resumes on
                    // the thread pool, a thread hop that put those responses in the latency tail.
                    var now = LinuxSocket.SendFileNow(_socket, _file!, _fileOffset, _fileCount);
                    if (now < _fileCount)
                    {
                        await _sender.SendAsync(_socket, new ReadOnlySequence<byte>(_fileBytes[now..]));
                    }
                    buffer = buffer.Slice(before.End);
                    sentFile = true;
                }

                if (!buffer.IsEmpty)
                {
                    await _sender.SendAsync(_socket, buffer);
                    _sent += buffer.Length;
                }

                reader.AdvanceTo(result.Buffer.End);
                if (sentFile)
                {
                    CompleteFile(sent: true);
                }

                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception exception)
        {
            failure = exception;
            LogSendFailed(_logger, _connection.ConnectionId, exception.Message);
            _connection.Abort(new ConnectionAbortedException("The edge could not send to the client.", exception));
        }
        finally
        {
            _sender.Clear();
            reader.Complete(failure);
            bool fileDue;
            lock (_closing)
            {
                _closed = true;
                fileDue = _fileDue;
            }

            if (fileDue)
            {
                CompleteFile(sent: false);
            }
        }
    }

    private void CompleteFile(bool sent)
    {
        _fileDue = false;
        _file = null;
        _fileBytes = default;
        _fileSent.SetResult(sent);
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _fileSent.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _fileSent.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _fileSent.OnCompleted(continuation, state, token, flags);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection {ConnectionId}: the client took longer than {Seconds:0.#} s to read {Bytes} bytes; the connection is closed")]
    private static partial void LogFileTimedOut(ILogger logger, string connectionId, int bytes, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection {ConnectionId}: sending to the client failed: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, string connectionId, string reason);
}
