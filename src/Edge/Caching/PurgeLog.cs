namespace EdgeCache.Edge.Caching;

/// <summary>What a purge selects.</summary>
internal enum PurgeKind
{
    /// <summary>Every variant of one primary key.</summary>
    Url,

    /// <summary>Every stored URL with exactly this path, whatever its scheme, host and query.</summary>
    Path,

    /// <summary>Every stored URL whose path starts with this prefix.</summary>
    Prefix,

    /// <summary>Every stored response carrying this surrogate key.</summary>
    Tag,

    /// <summary>Everything.</summary>
    All,
}

/// <summary>
/// The most recent purges, numbered by a monotonically increasing epoch, so that a response
/// fetched before a purge was applied is not stored as fresh after it. Not thread-safe for
/// writers: the cache appends and matches under its lock; <see cref="Epoch"/> may be read freely.
/// </summary>
internal sealed class PurgeLog
{
    /// <summary>How many purges are remembered; a fetch that outlives more counts as purged.</summary>
    public const int Capacity = 1024;

    private readonly Entry[] _ring = new Entry[Capacity];
    private long _epoch;

    /// <summary>The epoch of the latest purge; 0 before the first.</summary>
    public long Epoch => Volatile.Read(ref _epoch);

    /// <summary>Records a purge and returns its epoch.</summary>
    public long Append(PurgeKind kind, string value)
    {
        var epoch = _epoch + 1;
        _ring[(int)(epoch % Capacity)] = new Entry(kind, value);
        Volatile.Write(ref _epoch, epoch);
        return epoch;
    }

    /// <summary>
    /// True when a purge recorded after <paramref name="sinceEpoch"/> selects <paramref name="response"/>
    /// (whose path is <paramref name="path"/>, if it has one), or may have: when such purges
    /// were already dropped from the log the answer is conservatively yes.
    /// </summary>
    public bool AnyAfterMatches(long sinceEpoch, StoredResponse response, bool hasPath, ReadOnlySpan<char> path)
    {
        var latest = _epoch;
        if (sinceEpoch >= latest)
        {
            return false;
        }

        if (sinceEpoch < latest - Capacity)
        {
            return true;
        }

        for (var epoch = sinceEpoch + 1; epoch <= latest; epoch++)
        {
            if (_ring[(int)(epoch % Capacity)].Selects(response, hasPath, path))
            {
                return true;
            }
        }

        return false;
    }

    private readonly record struct Entry(PurgeKind Kind, string Value)
    {
        public bool Selects(StoredResponse response, bool hasPath, ReadOnlySpan<char> path) => Kind switch
        {
            PurgeKind.Url => response.Key == Value,
            PurgeKind.Path => hasPath && path.SequenceEqual(Value),
            PurgeKind.Prefix => hasPath && path.StartsWith(Value, StringComparison.Ordinal),
            PurgeKind.Tag => Array.IndexOf(response.Tags, Value) >= 0,
            _ => true,
        };
    }
}
