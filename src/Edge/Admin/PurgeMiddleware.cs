using EdgeCache.Edge.Caching;
using EdgeCache.Edge.Hosting;
using EdgeCache.Replication.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.Edge.Admin;

/// <summary>
/// Answers <c>PURGE &lt;url&gt;</c> on any path: purges every variant of that URL. It runs before
/// the proxy, so a PURGE never reaches an upstream, whatever the routes say.
/// </summary>
internal sealed partial class PurgeMiddleware
{
    public const string Method = "PURGE";

    /// <summary>Request header that turns the purge into a soft one: <c>Soft-Purge: 1</c>.</summary>
    public const string SoftPurgeHeader = "Soft-Purge";

    private readonly RequestDelegate _next;
    private readonly ResponseCache _cache;
    private readonly BearerToken _token;
    private readonly AdminNetworks _networks;
    private readonly ILogger<PurgeMiddleware> _logger;

    public PurgeMiddleware(RequestDelegate next, ResponseCache cache, IOptions<EdgeOptions> options, AdminNetworks networks, ILogger<PurgeMiddleware> logger)
    {
        _next = next;
        _cache = cache;
        _token = new BearerToken(options.Value.Token);
        _networks = networks;
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext context)
    {
        // Methods are case-sensitive, but a "purge" in any case is still never the upstream's business.
        return string.Equals(context.Request.Method, Method, StringComparison.OrdinalIgnoreCase)
            ? PurgeAsync(context)
            : _next(context);
    }

    private Task PurgeAsync(HttpContext context)
    {
        var refusal = AdminAccess.ChangeRefusal(context, _token, _networks, _logger, "purging");
        if (refusal is not null)
        {
            return refusal.ExecuteAsync(context);
        }

        var key = CacheKey.Create(context.Request);
        var soft = context.Request.Headers[SoftPurgeHeader].ToString().Trim() is "1" or "true";
        var purged = _cache.PurgeUrl(key, soft);
        LogPurged(_logger, key, soft, purged, AdminAccess.Remote(context));
        return Results.Json(new PurgeReport(purged), EdgeJsonContext.Default.PurgeReport).ExecuteAsync(context);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "PURGE {Key} (soft: {Soft}) from {Remote}: {Purged} stored responses")]
    private static partial void LogPurged(ILogger logger, string key, bool soft, int purged, string remote);
}
