using System.IO.Pipelines;

namespace EdgeCache.Benchmarks;

/// <summary>
/// A response body writer that copies what it is given into one reused buffer and drops it:
/// the copy Kestrel would make into its output pipe, without a socket and without allocating per write.
/// </summary>
internal sealed class DiscardingPipeWriter : PipeWriter
{
    private byte[] _buffer = new byte[4096];

    /// <summary>Bytes written since the last <see cref="Reset"/>, for checking a benchmark writes what it should.</summary>
    public long Written { get; private set; }

    public void Reset() => Written = 0;

    public override void Advance(int bytes) => Written += bytes;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        if (sizeHint > _buffer.Length)
        {
            _buffer = new byte[sizeHint];
        }

        return _buffer;
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        => new(new FlushResult(isCanceled: false, isCompleted: false));

    public override void CancelPendingFlush()
    {
    }

    public override void Complete(Exception? exception = null)
    {
    }
}
