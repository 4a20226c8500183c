using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeCache.Edge.Caching;
using EdgeCache.Replication.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Edge.Admin;

/// <summary>
/// <c>POST /_edge/purge</c> with one selector: <c>{"path":"/x"}</c>, <c>{"prefix":"/x/"}</c>,
/// <c>{"tag":"t"}</c>, <c>{"url":"http://host/x?y"}</c> or <c>{"all":true}</c>, optionally
/// with <c>"soft":true</c>. Answers <c>{"purged":N}</c>.
/// </summary>
internal static partial class PurgeEndpoint
{
    public const string Path = EdgeAdminEndpoints.Prefix + "/purge";

    /// <summary>A purge request is a few selectors; anything larger is not one.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    public static async Task<IResult> HandleAsync(HttpContext context, ResponseCache cache, BearerToken token, AdminNetworks networks, ILogger logger)
    {
        var refusal = AdminAccess.ChangeRefusal(context, token, networks, logger, "purging");
        if (refusal is not null)
        {
            return refusal;
        }

        PurgeRequest? request;
        try
        {
            request = await ReadAsync(context);
        }
        catch (JsonException exception)
        {
            return BadRequest(context, logger, "the body is not a valid purge request: " + exception.Message);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return BadRequest(context, logger, $"the body is larger than {MaxBodyBytes} bytes");
        }

        if (request is null)
        {
            return BadRequest(context, logger, "the body must be a JSON object");
        }

        var (kind, value, error) = Select(request);
        if (error is not null)
        {
            return BadRequest(context, logger, error);
        }

        var purged = kind switch
        {
            PurgeKind.Url => cache.PurgeUrl(value, request.Soft),
            PurgeKind.Path => cache.PurgePath(value, request.Soft),
            PurgeKind.Prefix => cache.PurgePrefix(value, request.Soft),
            PurgeKind.Tag => cache.PurgeTag(value, request.Soft),
            _ => cache.PurgeAll(request.Soft),
        };
        LogPurged(logger, kind, value, request.Soft, purged, AdminAccess.Remote(context));
        return Results.Json(new PurgeReport(purged), EdgeJsonContext.Default.PurgeReport);
    }

    /// <summary>The one selector of <paramref name="request"/>, or why there is not exactly one valid selector.</summary>
    internal static (PurgeKind Kind, string Value, string? Error) Select(PurgeRequest request)
    {
        var count = (request.Path is null ? 0 : 1) + (request.Prefix is null ? 0 : 1) + (request.Tag is null ? 0 : 1)
            + (request.Url is null ? 0 : 1) + (request.All is null ? 0 : 1);
        if (count != 1)
        {
            return (default, string.Empty, count == 0
                ? "give one selector: path, prefix, tag, url or all"
                : "give only one selector: path, prefix, tag, url or all");
        }

        if (request.Path is { } path)
        {
            return path.StartsWith('/') ? (PurgeKind.Path, path, null) : (default, string.Empty, "path must start with '/'");
        }

        if (request.Prefix is { } prefix)
        {
            return prefix.StartsWith('/') ? (PurgeKind.Prefix, prefix, null) : (default, string.Empty, "prefix must start with '/'");
        }

        if (request.Tag is { } tag)
        {
            return tag.Length == 0 || tag.Length > SurrogateKeys.MaxLength || tag.Trim().Length != tag.Length
                ? (default, string.Empty, $"tag must be 1 to {SurrogateKeys.MaxLength} characters without surrounding white space")
                : (PurgeKind.Tag, tag, null);
        }

        if (request.Url is { } url)
        {
            return CacheKeyParts.TryFromUrl(url, out var key)
                ? (PurgeKind.Url, key, null)
                : (default, string.Empty, "url must be an absolute http:// or https:// URL");
        }

        return request.All == true ? (PurgeKind.All, string.Empty, null) : (default, string.Empty, "all must be true");
    }

    private static async Task<PurgeRequest?> ReadAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            throw new BadHttpRequestException("too large", StatusCodes.Status413PayloadTooLarge);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        return await JsonSerializer.DeserializeAsync(context.Request.Body, EdgeJsonContext.Default.PurgeRequest, context.RequestAborted);
    }

    private static IResult BadRequest(HttpContext context, ILogger logger, string error)
    {
        LogBadRequest(logger, AdminAccess.Remote(context), error);
        return Results.Json(new ErrorReport(error), EdgeJsonContext.Default.ErrorReport, statusCode: StatusCodes.Status400BadRequest);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Purge by {Kind} {Value} (soft: {Soft}) from {Remote}: {Purged} stored responses")]
    private static partial void LogPurged(ILogger logger, PurgeKind kind, string value, bool soft, int purged, string remote);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected purge request from {Remote}: {Error}")]
    private static partial void LogBadRequest(ILogger logger, string remote, string error);
}

/// <summary>The body of <c>POST /_edge/purge</c>; unknown members are refused, so a misspelt selector is an error, not a no-op.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record PurgeRequest(string? Path, string? Prefix, string? Tag, string? Url, bool? All, bool Soft = false);

/// <summary>How many stored responses a purge removed or marked stale.</summary>
internal sealed record PurgeReport(int Purged);
