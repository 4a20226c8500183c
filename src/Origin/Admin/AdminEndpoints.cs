using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using EdgeCache.Origin.Content;
using EdgeCache.Origin.Hosting;
using EdgeCache.Origin.Publishing;
using EdgeCache.Origin.Replication;
using EdgeCache.Replication.Changes;
using EdgeCache.Replication.Fleet;
using EdgeCache.Replication.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Origin.Admin;

/// <summary>
/// The admin API under <c>/_admin/</c>: publish, delete, purge, read the change log. Every call
/// needs the bearer token; without a configured token the whole API answers 403.
/// </summary>
internal static partial class AdminEndpoints
{
    public const string Prefix = "/_admin";
    private const string ContentPrefix = Prefix + "/content";

    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<OriginOptions>>().Value;
        var token = new BearerToken(options.Token);
        var admin = endpoints.MapGroup(Prefix).AddEndpointFilter(new TokenFilter(token, "admin API")).AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            if (!WaitRequest.TryParse(context.Request.Query, out var wait, out var waitError))
            {
                return BadRequest(context, waitError);
            }

            if (wait is not null)
            {
                context.Features.Set(wait);
            }

            return await next(invocation);
        });

        admin.MapPut("/content/{**path}", PutContentAsync);
        admin.MapDelete("/content/{**path}", DeleteContentAsync);
        admin.MapPost("/purge", PurgeAsync);
        admin.MapGet("/changes", ChangesAsync);
        MapPublish(admin);
        admin.MapFleet();
        admin.Map("/{**rest}", static () => Error(StatusCodes.Status404NotFound, "no such admin endpoint"));
        return endpoints;
    }

    private static async Task<IResult> PutContentAsync(HttpContext context, IContentStore store, PublishPipeline pipeline, FleetRegistry fleet, IOptions<OriginOptions> options)
    {
        if (!TryContentPath(context, out var path, out var error))
        {
            return BadRequest(context, error);
        }

        var request = context.Request;
        var contentType = request.ContentType ?? "application/octet-stream";
        if (!IsMediaType(contentType))
        {
            return BadRequest(context, $"Content-Type '{contentType}' is not a media type");
        }

        var cacheControl = request.Headers.CacheControl.Count > 0 ? request.Headers.CacheControl.ToString() : null;
        if (cacheControl is not null && !IsCacheControl(cacheControl))
        {
            return BadRequest(context, $"Cache-Control '{cacheControl}' is not a Cache-Control value");
        }

        if (!TryTags(request.Headers["X-Tags"].ToString(), out var tags, out error))
        {
            return BadRequest(context, error);
        }

        var maxBytes = options.Value.MaxBodyBytes;
        if (request.ContentLength > maxBytes)
        {
            return BadRequest(context, $"the content is larger than the limit of {maxBytes} bytes");
        }

        string hash;
        try
        {
            hash = await store.WriteBlobAsync(request.Body, maxBytes, cancellationToken: context.RequestAborted);
        }
        catch (ContentTooLargeException tooLarge)
        {
            return BadRequest(context, tooLarge.Message);
        }

        // Pinned until the put is in the manifest, however long the commit waits for the lock.
        using var pin = store.PinBlobs([hash]);
        var size = store.BlobSize(hash) ?? 0;
        var committed = await pipeline.CommitAsync(
        [
            new ChangeEntry
            {
                Op = ChangeOps.Put,
                Path = path,
                ETag = FileContentStore.ETagFor(hash),
                Size = size,
                ContentType = contentType,
                Tags = tags,
                CacheControl = cacheControl,
            },
        ], context.RequestAborted);
        return await SeqAnswerAsync(context, fleet, committed[^1].Seq);
    }

    private static async Task<IResult> DeleteContentAsync(HttpContext context, PublishPipeline pipeline, FleetRegistry fleet)
    {
        if (!TryContentPath(context, out var path, out var error))
        {
            return BadRequest(context, error);
        }

        var deleted = await pipeline.DeleteAsync(path, context.RequestAborted);
        return deleted is null
            ? Error(StatusCodes.Status404NotFound, $"no content at '{path}'")
            : await SeqAnswerAsync(context, fleet, deleted.Seq);
    }

    private static async Task<IResult> PurgeAsync(HttpContext context, PublishPipeline pipeline, FleetRegistry fleet)
    {
        var (purge, invalid) = await ReadJsonAsync(context, OriginJsonContext.Default.PurgeRequest);
        if (purge is null)
        {
            return invalid!;
        }

        var changes = new List<ChangeEntry>();
        foreach (var path in purge.Paths ?? [])
        {
            if (!ContentPath.TryNormalize(path ?? string.Empty, out var normal, out var error))
            {
                return BadRequest(context, $"paths: {error}");
            }

            changes.Add(new ChangeEntry { Op = ChangeOps.PurgePath, Path = normal, Soft = purge.Soft });
        }

        foreach (var prefix in purge.Prefixes ?? [])
        {
            var raw = prefix ?? string.Empty;
            var checkedPart = raw.Length > 1 && raw.EndsWith('/') ? raw[..^1] : raw;
            if (raw != "/" && !ContentPath.TryNormalize(checkedPart, out _, out var error))
            {
                return BadRequest(context, $"prefixes: {error}");
            }

            changes.Add(new ChangeEntry { Op = ChangeOps.PurgePrefix, Path = raw, Soft = purge.Soft });
        }

        if (!TryTagList(purge.Tags, out var tags, out var tagError))
        {
            return BadRequest(context, $"tags: {tagError}");
        }

        foreach (var tag in tags)
        {
            changes.Add(new ChangeEntry { Op = ChangeOps.PurgeTag, Tags = [tag], Soft = purge.Soft });
        }

        if (purge.All)
        {
            changes.Add(new ChangeEntry { Op = ChangeOps.PurgeAll, Soft = purge.Soft });
        }

        if (changes.Count == 0)
        {
            return BadRequest(context, "nothing to purge: give paths, prefixes, tags or all");
        }

        var committed = await pipeline.CommitAsync(changes, context.RequestAborted);
        return await SeqAnswerAsync(context, fleet, committed[^1].Seq);
    }

    private static async Task<IResult> ChangesAsync(HttpContext context, IChangeLog log)
    {
        var query = context.Request.Query;
        if (!long.TryParse(query["after"].ToString() is { Length: > 0 } a ? a : "0", out var after) || after < 0)
        {
            return BadRequest(context, "after must be a non-negative integer");
        }

        if (!int.TryParse(query["limit"].ToString() is { Length: > 0 } l ? l : "1000", out var limit) || limit is < 1 or > 10_000)
        {
            return BadRequest(context, "limit must be an integer from 1 to 10000");
        }

        var entries = await log.ReadAsync(after, limit, context.RequestAborted);
        return Results.Json(new ChangesReport(log.Head, log.LowWaterMark, entries), OriginJsonContext.Default.ChangesReport);
    }

    /// <summary>
    /// The content path from the raw request target, so that encoded slashes and dot-segments
    /// are judged as sent, before anything decodes or normalises them.
    /// </summary>
    private static bool TryContentPath(HttpContext context, out string path, out string error)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? string.Empty;
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            raw = raw[..query];
        }

        path = string.Empty;
        if (!raw.StartsWith(ContentPrefix + "/", StringComparison.Ordinal))
        {
            error = "the content path must follow /_admin/content";
            return false;
        }

        if (!ContentPath.TryNormalize(raw[ContentPrefix.Length..], out var encoded, out error))
        {
            return false;
        }

        return ContentPath.TryNormalize(Uri.UnescapeDataString(encoded), out path, out error);
    }

    /// <summary>The body as <typeparamref name="T"/>, or the 400 that says why it is not one.</summary>
    internal static async Task<(T? Value, IResult? Invalid)> ReadJsonAsync<T>(HttpContext context, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted);
            return value is null ? (null, BadRequest(context, "the body must be a JSON object")) : (value, null);
        }
        catch (JsonException invalid)
        {
            return (null, BadRequest(context, $"the body is not valid JSON: {invalid.Message}"));
        }
    }

    /// <summary>Tags from an <c>X-Tags</c> header: a comma list.</summary>
    private static bool TryTags(string header, out IReadOnlyList<string> tags, out string error)
        => TryTagList(header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), out tags, out error);

    /// <summary>Tags from a JSON list, each one tag; duplicates are dropped.</summary>
    private static bool TryTagList(IReadOnlyList<string?>? given, out IReadOnlyList<string> tags, out string error)
    {
        var list = new List<string>();
        foreach (var tag in given ?? [])
        {
            if (string.IsNullOrEmpty(tag) || tag.Length > 256 || tag.Any(c => c == ',' || char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                tags = [];
                error = $"tag '{tag}' must be 1 to 256 characters with no commas, spaces or control characters";
                return false;
            }

            if (!list.Contains(tag, StringComparer.Ordinal))
            {
                list.Add(tag);
            }
        }

        tags = list;
        error = string.Empty;
        return true;
    }

    // Values the origin will send back as headers: no control characters may get through.
    private static bool IsMediaType(string value)
        => !value.Any(char.IsControl) && MediaTypeHeaderValue.TryParse(value, out _);

    private static bool IsCacheControl(string value)
        => value.Length <= 1024 && !value.Any(char.IsControl) && CacheControlHeaderValue.TryParse(value, out _);

    internal static IResult BadRequest(HttpContext context, string error)
    {
        LogBadRequest(Logger(context), context.Request.Method, context.Request.Path, error);
        return Error(StatusCodes.Status400BadRequest, error);
    }

    internal static IResult Error(int status, string message)
        => Results.Json(new ErrorReport(message), OriginJsonContext.Default.ErrorReport, statusCode: status);

    private static ILogger Logger(HttpContext context)
        => context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdminEndpoints).FullName!);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected {Method} {Path}: {Reason}")]
    private static partial void LogBadRequest(ILogger logger, string method, PathString path, string reason);
}

internal sealed record SeqReport(long Seq);

internal sealed record ErrorReport(string Error);

internal sealed record ChangesReport(long Head, long LowWaterMark, IReadOnlyList<ChangeEntry> Entries);

internal sealed record PurgeRequest(
    IReadOnlyList<string?>? Paths,
    IReadOnlyList<string?>? Prefixes,
    IReadOnlyList<string?>? Tags,
    bool All,
    bool Soft);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(SeqReport))]
[JsonSerializable(typeof(ErrorReport))]
[JsonSerializable(typeof(ChangesReport))]
[JsonSerializable(typeof(PurgeRequest))]
[JsonSerializable(typeof(PublishRequest))]
[JsonSerializable(typeof(BatchStatus))]
[JsonSerializable(typeof(BatchReport))]
[JsonSerializable(typeof(BlobReport))]
[JsonSerializable(typeof(MissingReport))]
[JsonSerializable(typeof(BatchWaitReport))]
internal sealed partial class OriginJsonContext : JsonSerializerContext;
