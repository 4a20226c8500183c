using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// The response side of a detached upstream fetch: YARP's forwarder writes the upstream
/// response here as if to a client, and it lands in a <see cref="CacheFill"/> at the
/// upstream's speed, with no client connection involved.
/// </summary>
internal sealed class FetchFeatures :
    IHttpResponseFeature,
    IHttpResponseBodyFeature,
    IHttpRequestLifetimeFeature,
    IHttpRequestBodyDetectionFeature
{
    private readonly CacheFill _fill;
    private readonly Action<FetchFeatures> _onStarted;
    private readonly FillStream _stream;
    private List<(Func<object, Task> Callback, object State)>? _onStarting;
    private PipeWriter? _writer;

    public FetchFeatures(CacheFill fill, Action<FetchFeatures> onStarted)
    {
        _fill = fill;
        _onStarted = onStarted;
        _stream = new FillStream(this);
        RequestAborted = fill.UpstreamAborted;
    }

    public int StatusCode { get; set; } = StatusCodes.Status200OK;

    public string? ReasonPhrase { get; set; }

    public IHeaderDictionary Headers { get; set; } = new HeaderDictionary();

    [Obsolete("Use IHttpResponseBodyFeature.Stream.")]
    public Stream Body
    {
        get => _stream;
        set => throw new NotSupportedException();
    }

    public bool HasStarted { get; private set; }

    public Stream Stream => _stream;

    public PipeWriter Writer => _writer ??= PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));

    public CancellationToken RequestAborted { get; set; }

    public bool CanHaveBody => false;

    /// <summary>True once the forwarder aborted the exchange (the upstream response broke off).</summary>
    public bool Aborted { get; private set; }

    public void OnStarting(Func<object, Task> callback, object state) => (_onStarting ??= []).Add((callback, state));

    public void OnCompleted(Func<object, Task> callback, object state)
    {
        // Nothing waits for a detached fetch to complete; the fill's own completion stands in.
    }

    public void Abort()
    {
        Aborted = true;
        _fill.Fail();
    }

    public void DisableBuffering()
    {
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (HasStarted)
        {
            return;
        }

        if (_onStarting is not null)
        {
            for (var i = _onStarting.Count - 1; i >= 0; i--)
            {
                await _onStarting[i].Callback(_onStarting[i].State);
            }
        }

        HasStarted = true;
        _onStarted(this);
    }

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("A detached upstream fetch does not send files.");

    public async Task CompleteAsync()
    {
        await StartAsync();
        if (_writer is not null)
        {
            await _writer.FlushAsync();
        }
    }

    private async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken);
        _fill.Append(data.Span);
        await _fill.WaitForRoomAsync(cancellationToken);
    }

    private sealed class FillStream(FetchFeatures owner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => owner.StartAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
            => owner.WriteAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => owner.WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
            => owner.WriteAsync(buffer, cancellationToken);
    }
}
