namespace EdgeCache.Edge.Protection;

/// <summary>
/// One rate limit (<c>Edge:RateLimits</c>, a list; the first rule whose path prefix and methods
/// match a request applies): each client address gets a token bucket of <see cref="Burst"/> tokens
/// refilled at <see cref="PermitsPerSecond"/>. A request that finds its bucket empty is answered
/// 429 with <c>Retry-After</c>, cached or not, and never reaches a back-end.
/// </summary>
public sealed class RateLimitRule
{
    /// <summary>Names the rule in logs.</summary>
    public string Name { get; set; } = "default";

    /// <summary>The paths the rule covers, e.g. <c>/api/</c>; <c>/</c> covers every path.</summary>
    public string PathPrefix { get; set; } = "/";

    /// <summary>The methods the rule covers (e.g. <c>POST</c>); empty covers every method.</summary>
    public string[] Methods { get; set; } = [];

    /// <summary>Tokens added to each client's bucket per second.</summary>
    public double PermitsPerSecond { get; set; } = 100;

    /// <summary>The most tokens a client's bucket holds: the burst it may send at once.</summary>
    public int Burst { get; set; } = 200;

    /// <summary>Whether the rule covers a request for <paramref name="path"/> with <paramref name="method"/>.</summary>
    public bool Covers(string method, string path)
        => path.StartsWith(PathPrefix, StringComparison.Ordinal) && (Methods.Length == 0 || Lists(method));

    // A loop, not a lambda: a lambda capturing the method made every request, hits included, allocate its closure.
    private bool Lists(string method)
    {
        foreach (var listed in Methods)
        {
            if (string.Equals(listed, method, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What is wrong with the rule; empty when nothing is.</summary>
    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrEmpty(PathPrefix) || PathPrefix[0] != '/')
        {
            yield return $"rate limit '{Name}': PathPrefix must start with /";
        }

        if (!(PermitsPerSecond > 0) || Burst < 1)
        {
            yield return $"rate limit '{Name}': PermitsPerSecond must be above zero and Burst at least 1";
        }
    }
}
