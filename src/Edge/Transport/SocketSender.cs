using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace EdgeCache.Edge.Transport;

/// <summary>
/// One reusable send operation on a socket, awaited without allocating: a gather send of a
/// buffer sequence. .NET's socket engine completes it only once every byte is with the kernel,
/// waiting for room in the send buffer as needed.
/// </summary>
internal sealed class SocketSender() : SocketAsyncEventArgs(unsafeSuppressExecutionContextFlow: true), IValueTaskSource<int>
{
    private readonly List<ArraySegment<byte>> _segments = [];
    private ManualResetValueTaskSourceCore<int> _source;

    /// <summary>Sends the whole sequence; <see cref="SocketException"/> when the socket fails.</summary>
    public ValueTask<int> SendAsync(Socket socket, in ReadOnlySequence<byte> buffers)
    {
        _source.Reset();
        if (buffers.IsSingleSegment)
        {
            if (BufferList is not null)
            {
                BufferList = null;
            }

            SetBuffer(MemoryMarshal.AsMemory(buffers.First));
        }
        else
        {
            SetBuffer(null, 0, 0);
            _segments.Clear();
            foreach (var segment in buffers)
            {
                _segments.Add(ArraySegmentOf(segment));
            }

            BufferList = _segments;
        }

        return socket.SendAsync(this) ? new ValueTask<int>(this, _source.Version) : CompletedAtOnce();
    }

    /// <summary>Lets go of the buffers of the last send.</summary>
    public void Clear()
    {
        _segments.Clear();
        SetBuffer(null, 0, 0);
        BufferList = null;
    }

    protected override void OnCompleted(SocketAsyncEventArgs e)
    {
        if (SocketError == SocketError.Success)
        {
            _source.SetResult(BytesTransferred);
        }
        else
        {
            _source.SetException(new SocketException((int)SocketError));
        }
    }

    private ValueTask<int> CompletedAtOnce()
        => SocketError == SocketError.Success
            ? new ValueTask<int>(BytesTransferred)
            : ValueTask.FromException<int>(new SocketException((int)SocketError));

    private static ArraySegment<byte> ArraySegmentOf(ReadOnlyMemory<byte> memory)
        => MemoryMarshal.TryGetArray(memory, out var segment)
            ? segment
            : throw new InvalidOperationException("The socket output's buffers are arrays; this one is not.");

    int IValueTaskSource<int>.GetResult(short token) => _source.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _source.OnCompleted(continuation, state, token, flags);
}
