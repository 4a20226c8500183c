using System.Collections.Concurrent;
using System.Net;
using System.Threading.RateLimiting;
using EdgeCache.Edge.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeCache.Edge.Protection;

/// <summary>
/// The token buckets of <c>Edge:RateLimits</c>: one per rule and client address, made on a client's
/// first request and dropped once full and idle (a full bucket is the same as a new one).
/// </summary>
internal sealed class RateLimitBuckets : IDisposable
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<IPAddress, TokenBucketRateLimiter>[] _buckets;
    private readonly ITimer _sweeper;

    public RateLimitBuckets(IOptions<EdgeOptions> options, TimeProvider time)
    {
        Rules = options.Value.RateLimits;
        _buckets = [.. Rules.Select(_ => new ConcurrentDictionary<IPAddress, TokenBucketRateLimiter>())];
        _sweeper = time.CreateTimer(_ => Sweep(), null, SweepInterval, SweepInterval);
    }

    public RateLimitRule[] Rules { get; }

    /// <summary>Takes one token from <paramref name="client"/>'s bucket of rule <paramref name="rule"/>; dispose the lease.</summary>
    public RateLimitLease Acquire(int rule, IPAddress client)
        => _buckets[rule].GetOrAdd(client, static (_, rule) => NewBucket(rule), Rules[rule]).AttemptAcquire();

    public void Dispose()
    {
        _sweeper.Dispose();
        foreach (var buckets in _buckets)
        {
            foreach (var bucket in buckets.Values)
            {
                bucket.Dispose();
            }
        }
    }

    private static TokenBucketRateLimiter NewBucket(RateLimitRule rule)
    {
        // Refilled every 100 ms (or per token, when that is slower) so a refused client's wait stays short.
        var period = TimeSpan.FromSeconds(Math.Max(0.1, 1 / rule.PermitsPerSecond));
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = rule.Burst,
            TokensPerPeriod = Math.Max(1, (int)Math.Round(rule.PermitsPerSecond * period.TotalSeconds)),
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private void Sweep()
    {
        for (var rule = 0; rule < _buckets.Length; rule++)
        {
            foreach (var (client, bucket) in _buckets[rule])
            {
                if (bucket.GetStatistics()?.CurrentAvailablePermits >= Rules[rule].Burst && _buckets[rule].TryRemove(client, out var removed))
                {
                    removed.Dispose();
                }
            }
        }
    }
}
