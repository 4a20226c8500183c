using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Edge.Protection;

/// <summary>
/// The first thing a request meets when <c>Edge:RateLimits</c> has rules (<see cref="RateLimitRule"/>).
/// Within its rate a request passes at the cost of a lookup and a token; past it the client gets
/// 429 with <c>Retry-After</c> before the cache or a back-end does any work. Refusals are logged at
/// most once a second per rule.
/// </summary>
internal sealed partial class ClientRateLimiter(RequestDelegate next, RateLimitBuckets buckets, TimeProvider time, ILogger<ClientRateLimiter> logger)
{
    private readonly long[] _lastLogged = new long[buckets.Rules.Length];

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var rules = buckets.Rules;
        for (var rule = 0; rule < rules.Length; rule++)
        {
            if (!rules[rule].Covers(request.Method, request.Path.Value ?? "/"))
            {
                continue;
            }

            var client = context.Connection.RemoteIpAddress ?? IPAddress.None;
            using var lease = buckets.Acquire(rule, client);
            return lease.IsAcquired ? next(context) : RefuseAsync(context, rule, client, lease);
        }

        return next(context);
    }

    private Task RefuseAsync(HttpContext context, int rule, IPAddress client, RateLimitLease lease)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        var now = time.GetTimestamp();
        var last = Volatile.Read(ref _lastLogged[rule]);
        if ((last == 0 || time.GetElapsedTime(last, now) >= TimeSpan.FromSeconds(1)) && Interlocked.CompareExchange(ref _lastLogged[rule], now, last) == last)
        {
            LogRefused(logger, buckets.Rules[rule].Name, client, seconds);
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";
        response.ContentType = "text/plain";
        return response.WriteAsync($"Too many requests: retry after {seconds} s\n");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate limit {Rule}: refused {Client} (retry after {Seconds} s); more refusals this second are not logged")]
    private static partial void LogRefused(ILogger logger, string rule, IPAddress client, int seconds);
}
