namespace EdgeCache.Edge.Compression;

/// <summary>
/// Where an encoder's output goes: the response body, or a buffer in front of it. Detached when
/// the response is abandoned, so disposing the encoder cannot write its final block into a
/// response that broke or was replaced by an error.
/// </summary>
internal sealed class EncodedSink(Stream target) : Stream
{
    private bool _detached;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Drops everything written from now on.</summary>
    public void Detach() => _detached = true;

    public override void Flush()
    {
        if (!_detached)
        {
            target.Flush();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken)
        => _detached ? Task.CompletedTask : target.FlushAsync(cancellationToken);

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (!_detached)
        {
            target.Write(buffer, offset, count);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        => _detached ? ValueTask.CompletedTask : target.WriteAsync(buffer, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
