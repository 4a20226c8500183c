using System.Collections.Concurrent;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// The upstream fetches in flight, by primary key, so concurrent misses share one; and the
/// keys whose last response could not be shared, whose requests each fetch on their own
/// instead of queueing behind each other ("hit-for-miss": a cacheable answer is still stored).
/// </summary>
internal sealed class RequestCollapser
{
    private const int MaxUncollapsibleKeys = 65_536;
    private readonly ConcurrentDictionary<string, CacheFill> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _uncollapsibleUntil = new(StringComparer.Ordinal);

    /// <summary>Joins the fetch in flight for <paramref name="key"/>, if there is one that can still be joined.</summary>
    public CacheFill.Reader? TryJoin(string key)
    {
        if (_inFlight.TryGetValue(key, out var fill))
        {
            var reader = fill.TryJoin();
            if (reader is not null)
            {
                return reader;
            }

            // Too far along to join (or not shareable): let the next fetch take the key.
            _inFlight.TryRemove(KeyValuePair.Create(key, fill));
        }

        return null;
    }

    /// <summary>True while a fetch for <paramref name="key"/> is in flight.</summary>
    public bool IsInFlight(string key) => _inFlight.ContainsKey(key);

    public bool TryRegister(CacheFill fill) => _inFlight.TryAdd(fill.Key, fill);

    public void Forget(CacheFill fill) => _inFlight.TryRemove(KeyValuePair.Create(fill.Key, fill));

    public void MarkUncollapsible(string key, DateTimeOffset until)
    {
        if (_uncollapsibleUntil.Count >= MaxUncollapsibleKeys)
        {
            _uncollapsibleUntil.Clear();
        }

        _uncollapsibleUntil[key] = until;
    }

    public bool IsUncollapsible(string key, DateTimeOffset now)
    {
        if (!_uncollapsibleUntil.TryGetValue(key, out var until))
        {
            return false;
        }

        if (until > now)
        {
            return true;
        }

        _uncollapsibleUntil.TryRemove(KeyValuePair.Create(key, until));
        return false;
    }

    public void ClearUncollapsible(string key) => _uncollapsibleUntil.TryRemove(key, out _);
}
