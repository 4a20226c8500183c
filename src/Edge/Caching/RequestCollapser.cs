using System.Collections.Concurrent;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// The upstream fetches in flight, by primary key, so concurrent misses share one; and the
/// keys whose last response could not be shared ("hit-for-pass"), whose requests go
/// straight upstream instead of queueing behind each other.
/// </summary>
internal sealed class RequestCollapser
{
    private const int MaxPassEntries = 65_536;
    private readonly ConcurrentDictionary<string, CacheFill> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _passUntil = new(StringComparer.Ordinal);

    /// <summary>Joins the fetch in flight for <paramref name="key"/>, if there is one that can still be joined.</summary>
    public CacheFill.Reader? TryJoin(string key, out CacheFill? fill)
    {
        if (_inFlight.TryGetValue(key, out fill))
        {
            var reader = fill.TryJoin();
            if (reader is not null)
            {
                return reader;
            }

            // Too far along to join (or not shareable): let the next fetch take the key.
            _inFlight.TryRemove(KeyValuePair.Create(key, fill));
        }

        fill = null;
        return null;
    }

    public bool TryRegister(CacheFill fill) => _inFlight.TryAdd(fill.Key, fill);

    public void Forget(CacheFill fill) => _inFlight.TryRemove(KeyValuePair.Create(fill.Key, fill));

    public void MarkPass(string key, DateTimeOffset until)
    {
        if (_passUntil.Count >= MaxPassEntries)
        {
            _passUntil.Clear();
        }

        _passUntil[key] = until;
    }

    public bool IsPass(string key, DateTimeOffset now)
    {
        if (!_passUntil.TryGetValue(key, out var until))
        {
            return false;
        }

        if (until > now)
        {
            return true;
        }

        _passUntil.TryRemove(KeyValuePair.Create(key, until));
        return false;
    }

    public void ClearPass(string key) => _passUntil.TryRemove(key, out _);
}
