using System.Buffers;
using EdgeCache.Edge.Storage;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// One upstream response on its way into the cache. The upstream side appends at its own
/// speed into pooled chunks; any number of clients read from it, each at its own pace, so
/// a slow client never holds the upstream connection (spoon feeding) and concurrent misses
/// share one upstream request (collapsing). A response that will not be stored keeps only
/// a bounded window ahead of its slowest reader.
/// </summary>
internal sealed class CacheFill
{
    public const int ChunkSize = 16 * 1024;

    private readonly Lock _lock = new();
    private readonly List<byte[]?> _chunks = [];
    private readonly List<Reader> _readers = [];
    private readonly TaskCompletionSource<FillHead> _head = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _upstreamAbort = new();
    private readonly long _window;
    private readonly long _maxKept;
    private long _length;
    private long _visible;
    private long? _declaredLength;
    private long _released;
    private int _holders;
    private bool _complete;
    private bool _failed;
    private bool _keepAll = true;
    private bool _disposed;
    private StoredBody? _adoptedBody;
    private TaskCompletionSource? _dataAvailable;
    private TaskCompletionSource? _spaceAvailable;

    public CacheFill(string key, long window, long maxKept)
    {
        Key = key;
        _window = window;
        _maxKept = maxKept;
        _holders = 1; // the upstream fetch itself
    }

    public string Key { get; }

    /// <summary>Completes when the upstream's status and headers are known.</summary>
    public Task<FillHead> Head => _head.Task;

    /// <summary>Cancelled when no one wants the response any more and it will not be stored.</summary>
    public CancellationToken UpstreamAborted => _upstreamAbort.Token;

    public long Length
    {
        get
        {
            lock (_lock)
            {
                return _length;
            }
        }
    }

    public bool Failed
    {
        get
        {
            lock (_lock)
            {
                return _failed;
            }
        }
    }

    /// <summary>Adds a reader at position 0, or returns null when the start of the body is already gone.</summary>
    public Reader? TryJoin()
    {
        lock (_lock)
        {
            if (_disposed || _failed || _released > 0 || (_head.Task.IsCompletedSuccessfully && !_head.Task.Result.Shareable))
            {
                return null;
            }

            var reader = new Reader(this);
            _readers.Add(reader);
            _holders++;
            return reader;
        }
    }

    public void SetHead(FillHead head)
    {
        lock (_lock)
        {
            _declaredLength = head.ContentLength;
            if (!head.StoreIntended)
            {
                _keepAll = false;
            }
        }

        _head.TrySetResult(head);
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            while (!data.IsEmpty)
            {
                var offset = (int)(_length % ChunkSize);
                if (offset == 0)
                {
                    _chunks.Add(ArrayPool<byte>.Shared.Rent(ChunkSize));
                }

                var chunk = _chunks[^1]!;
                var count = Math.Min(ChunkSize - offset, data.Length);
                data[..count].CopyTo(chunk.AsSpan(offset));
                data = data[count..];
                _length += count;
            }

            // The last bytes of a response with a declared length are held back until Complete,
            // so that no client has the whole response before the cache has stored it.
            if (_declaredLength is not { } declared || _length < declared)
            {
                _visible = _length;
            }

            if (_keepAll && _length > _maxKept)
            {
                // Too large to store after all: from now on only the window ahead of the readers is kept.
                _keepAll = false;
                ReleaseConsumedLocked();
            }

            SignalDataLocked();
        }
    }

    /// <summary>Waits while a response that is not being stored runs too far ahead of its slowest reader.</summary>
    public Task WaitForRoomAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_keepAll || _readers.Count == 0 || _length - SlowestPositionLocked() <= _window)
            {
                return Task.CompletedTask;
            }

            _spaceAvailable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _spaceAvailable.Task.WaitAsync(cancellationToken);
        }
    }

    public void Complete()
    {
        lock (_lock)
        {
            _complete = true;
            _visible = _length;
            SignalDataLocked();
        }
    }

    /// <summary>The upstream response broke off; readers fail, and nothing is stored.</summary>
    public void Fail()
    {
        lock (_lock)
        {
            if (_complete)
            {
                return;
            }

            _failed = true;
            SignalDataLocked();
        }

        _head.TrySetException(new UpstreamFailedException());
    }

    /// <summary>
    /// Creates the stored body once the upstream has sent all of it (before <see cref="Complete"/>
    /// lets the readers finish). Small bodies are copied into a slot of <paramref name="slabs"/>
    /// when there is one, else into one exactly sized array; large ones go to <paramref name="arena"/>'s
    /// memory file when it has room, or else hand over their chunks, which this fill keeps reading
    /// until its readers are done.
    /// </summary>
    public StoredBody? CreateStoredBody(BodyArena? arena = null, long arenaMinimum = long.MaxValue, BodySlabs? slabs = null)
    {
        lock (_lock)
        {
            if (_failed || _released > 0 || _disposed)
            {
                return null;
            }

            if (_length <= ChunkSize)
            {
                if (slabs is not null && _length > 0 && StoredBody.CopyInto(slabs, _chunks[0]!, (int)_length) is { } packed)
                {
                    return packed;
                }

                return StoredBody.CopyOf(_length == 0 ? [Array.Empty<byte>()] : [_chunks[0]!], _length);
            }

            if (arena is not null && _length >= arenaMinimum && StoredBody.CopyInto(arena, _chunks!, _length) is { } copied)
            {
                return copied;
            }

            var body = StoredBody.Adopt(_chunks!, _length);
            body.TryHold();
            _adoptedBody = body;
            return body;
        }
    }

    /// <summary>The upstream fetch is done with the fill.</summary>
    public void ReleaseFetch() => ReleaseHolder();

    private void ReleaseHolder()
    {
        lock (_lock)
        {
            if (--_holders > 0)
            {
                return;
            }

            _disposed = true;
            if (_adoptedBody is { } adopted)
            {
                adopted.Release();
            }
            else
            {
                foreach (var chunk in _chunks)
                {
                    if (chunk is not null)
                    {
                        ArrayPool<byte>.Shared.Return(chunk);
                    }
                }
            }

            _chunks.Clear();
        }

        _upstreamAbort.Dispose();
    }

    private void SignalDataLocked()
    {
        _dataAvailable?.TrySetResult();
        _dataAvailable = null;
    }

    private long SlowestPositionLocked()
    {
        var slowest = long.MaxValue;
        foreach (var reader in _readers)
        {
            slowest = Math.Min(slowest, reader.Position);
        }

        return slowest;
    }

    private void ReleaseConsumedLocked()
    {
        if (_keepAll || _adoptedBody is not null)
        {
            return;
        }

        var slowest = _readers.Count == 0 ? _length : SlowestPositionLocked();
        while (_released + ChunkSize <= slowest)
        {
            var index = (int)(_released / ChunkSize);
            ArrayPool<byte>.Shared.Return(_chunks[index]!);
            _chunks[index] = null;
            _released += ChunkSize;
        }

        if (_length - slowest <= _window)
        {
            _spaceAvailable?.TrySetResult();
            _spaceAvailable = null;
        }
    }

    /// <summary>One client's position in the fill.</summary>
    internal sealed class Reader
    {
        private readonly CacheFill _fill;
        private bool _left;

        public Reader(CacheFill fill) => _fill = fill;

        public CacheFill Fill => _fill;

        public long Position { get; private set; }

        /// <summary>
        /// The next bytes to send, empty at the end of the body. Throws
        /// <see cref="UpstreamFailedException"/> when the upstream response broke off.
        /// </summary>
        public async ValueTask<ReadOnlyMemory<byte>> ReadAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                Task wait;
                lock (_fill._lock)
                {
                    if (Position < _fill._visible)
                    {
                        var index = (int)(Position / ChunkSize);
                        var offset = (int)(Position % ChunkSize);
                        var count = (int)Math.Min(ChunkSize - offset, _fill._visible - Position);
                        return _fill._chunks[index].AsMemory(offset, count);
                    }

                    if (_fill._complete)
                    {
                        return ReadOnlyMemory<byte>.Empty;
                    }

                    if (_fill._failed)
                    {
                        throw new UpstreamFailedException();
                    }

                    _fill._dataAvailable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _fill._dataAvailable.Task;
                }

                await wait.WaitAsync(cancellationToken);
            }
        }

        /// <summary>Marks <paramref name="count"/> bytes as sent to the client.</summary>
        public void Advance(int count)
        {
            lock (_fill._lock)
            {
                Position += count;
                _fill.ReleaseConsumedLocked();
            }
        }

        /// <summary>The client is done, or gone. When no one else reads an unstored response, the upstream read stops.</summary>
        public void Leave()
        {
            bool abandon;
            lock (_fill._lock)
            {
                if (_left)
                {
                    return;
                }

                _left = true;
                _fill._readers.Remove(this);
                abandon = _fill._readers.Count == 0 && !_fill._keepAll && !_fill._complete && !_fill._failed;
                _fill.ReleaseConsumedLocked();
            }

            if (abandon)
            {
                // Outside the lock: cancellation runs the forwarder's callbacks synchronously.
                _fill._upstreamAbort.Cancel();
            }

            _fill.ReleaseHolder();
        }
    }
}

/// <summary>The upstream response broke off before it was complete.</summary>
internal sealed class UpstreamFailedException : Exception
{
    public UpstreamFailedException()
        : base("The upstream response broke off before it was complete.")
    {
    }
}
