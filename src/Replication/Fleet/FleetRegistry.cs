namespace EdgeCache.Replication.Fleet;

/// <summary>
/// The origin's fleet: every edge that opened the feed or acked, with its applied seq, when it
/// was last seen and its cache counters. An edge is connected while a feed stream of it is open
/// and it was seen (feed connect or ack) within <see cref="MissedHeartbeats"/> heartbeat intervals.
/// Mutating admin calls wait here for the connected edges to apply their seq. Origins that share
/// a fleet (PostgreSQL) publish their <see cref="Observations"/> and merge each other's with
/// <see cref="MergePeers"/>, so a wait on one origin sees the acks another received.
/// </summary>
public sealed class FleetRegistry
{
    /// <summary>How many heartbeat intervals an edge may go unseen and still count as connected.</summary>
    public const int MissedHeartbeats = 3;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, EdgeRecord> _edges = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _silence;
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>Raised, outside the registry's lock, after this origin observed an edge: a stream opened or closed, or an ack.</summary>
    public event Action? Observed;

    /// <summary>A registry judging silence by <paramref name="heartbeatInterval"/> on <paramref name="time"/>.</summary>
    public FleetRegistry(TimeProvider time, TimeSpan heartbeatInterval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(heartbeatInterval, TimeSpan.Zero);
        _time = time;
        _silence = heartbeatInterval * MissedHeartbeats;
    }

    /// <summary>
    /// Registers an edge whose feed stream opened, having applied <paramref name="applied"/>; this
    /// may lower its applied seq (a restarted edge). Dispose the lease when the stream ends.
    /// </summary>
    public IDisposable Connect(string id, string region, string? endpoint, long applied)
    {
        EdgeRecord edge;
        lock (_lock)
        {
            edge = Find(id);
            edge.Region = region;
            edge.Endpoint = endpoint;
            edge.Applied = applied;
            edge.LastSeen = _time.GetUtcNow();
            edge.LocalSeen = edge.LastSeen;
            edge.OpenStreams++;
        }

        Signal();
        Observed?.Invoke();
        return new StreamLease(this, edge);
    }

    /// <summary>Records an ack: raises the applied seq (never lowers it) and refreshes last seen and counters.</summary>
    public void Ack(AckReport ack)
    {
        ArgumentNullException.ThrowIfNull(ack);
        lock (_lock)
        {
            var edge = Find(ack.Id);
            edge.Region = ack.Region;
            edge.Endpoint = ack.Endpoint ?? edge.Endpoint;
            edge.Applied = Math.Max(edge.Applied, ack.Applied);
            edge.LastSeen = _time.GetUtcNow();
            edge.LocalSeen = edge.LastSeen;
            edge.Stats = ack.Stats ?? edge.Stats;
        }

        Signal();
        Observed?.Invoke();
    }

    /// <summary>What this origin itself saw of every edge it has seen: its part of a shared fleet.</summary>
    public IReadOnlyList<EdgeObservation> Observations()
    {
        lock (_lock)
        {
            return [.. _edges.Values
                .Where(e => e.LocalSeen is not null)
                .Select(e => new EdgeObservation(e.Id, e.Region, e.Endpoint, e.Applied, e.LocalSeen!.Value, e.OpenStreams, e.Stats))];
        }
    }

    /// <summary>
    /// Takes in what the other origins of a shared fleet observed (any number per edge): the
    /// freshest observation of an edge wins over an older one here, and the streams open on peers
    /// that saw the edge within the silence count towards its being connected.
    /// </summary>
    public void MergePeers(IReadOnlyList<EdgeObservation> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            foreach (var edge in _edges.Values)
            {
                edge.PeerStreams = 0;
            }

            foreach (var peer in peers)
            {
                var edge = Find(peer.Id);
                if (now - peer.LastSeen <= _silence)
                {
                    edge.PeerStreams += peer.OpenStreams;
                }

                if (peer.LastSeen > edge.LastSeen)
                {
                    edge.Region = peer.Region;
                    edge.Endpoint = peer.Endpoint ?? edge.Endpoint;
                    edge.Applied = peer.Applied;
                    edge.LastSeen = peer.LastSeen;
                    edge.Stats = peer.Stats ?? edge.Stats;
                }
            }
        }

        Signal();
    }

    /// <summary>Every known edge, sorted by region then id, with its lag behind <paramref name="head"/>.</summary>
    public FleetReport Report(long head)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            return new FleetReport(head, [.. _edges.Values
                .OrderBy(e => e.Region, StringComparer.Ordinal)
                .ThenBy(e => e.Id, StringComparer.Ordinal)
                .Select(e => e.ToReport(head, now, _silence))]);
        }
    }

    /// <summary>
    /// Waits until every edge connected now has applied <paramref name="seq"/>, or its feed stream
    /// closed, or <paramref name="timeout"/> passed: those that applied it are acked, the rest pending.
    /// </summary>
    public async Task<WaitReport> WaitForAsync(long seq, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + timeout;
        EdgeRecord[] waiting;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            waiting = [.. _edges.Values.Where(e => e.IsConnected(now, _silence))];
        }

        while (true)
        {
            // Taken before the check, so an ack in between still wakes the wait.
            var signal = Volatile.Read(ref _changed).Task;
            var (acked, pending, open) = Classify(waiting, seq);
            var remaining = deadline - _time.GetUtcNow();
            if (open == 0 || remaining <= TimeSpan.Zero)
            {
                return new WaitReport(seq, acked, pending);
            }

            try
            {
                await signal.WaitAsync(remaining, _time, cancellationToken);
            }
            catch (TimeoutException)
            {
                // The next round answers with what is pending.
            }
        }
    }

    private (List<string> Acked, List<string> Pending, int Open) Classify(EdgeRecord[] edges, long seq)
    {
        List<string> acked = [];
        List<string> pending = [];
        var open = 0;
        lock (_lock)
        {
            foreach (var edge in edges)
            {
                if (edge.Applied >= seq)
                {
                    acked.Add(edge.Id);
                    continue;
                }

                pending.Add(edge.Id);
                if (edge.OpenStreams + edge.PeerStreams > 0)
                {
                    open++;
                }
            }
        }

        acked.Sort(StringComparer.Ordinal);
        pending.Sort(StringComparer.Ordinal);
        return (acked, pending, open);
    }

    /// <summary>Under the lock: the edge's record, created when it is new.</summary>
    private EdgeRecord Find(string id)
    {
        if (!_edges.TryGetValue(id, out var edge))
        {
            edge = new EdgeRecord(id);
            _edges.Add(id, edge);
        }

        return edge;
    }

    private void Disconnect(EdgeRecord edge)
    {
        lock (_lock)
        {
            edge.OpenStreams--;
        }

        Signal();
        Observed?.Invoke();
    }

    private void Signal() => Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class StreamLease(FleetRegistry fleet, EdgeRecord edge) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                fleet.Disconnect(edge);
            }
        }
    }
}
