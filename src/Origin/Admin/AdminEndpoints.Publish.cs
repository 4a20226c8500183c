using EdgeCache.Origin.Content;
using EdgeCache.Origin.Hosting;
using EdgeCache.Origin.Publishing;
using EdgeCache.Replication.Fleet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace EdgeCache.Origin.Admin;

/// <summary>
/// Batch publish: <c>POST /_admin/publish</c> with a manifest opens a batch and answers the
/// hashes the origin lacks; <c>PUT …/{batch}/blobs/{hash}</c> uploads each;
/// <c>POST …/{batch}/commit</c> applies the batch as consecutive seqs, all or nothing;
/// <c>GET …/{batch}</c> says what is still missing; <c>DELETE …/{batch}</c> aborts it.
/// </summary>
internal static partial class AdminEndpoints
{
    private static void MapPublish(RouteGroupBuilder admin)
    {
        admin.MapPost("/publish", BeginPublishAsync);
        admin.MapGet("/publish/{batch}", BatchStatusOf);
        admin.MapPut("/publish/{batch}/blobs/{hash}", UploadBlobAsync);
        admin.MapPost("/publish/{batch}/commit", CommitPublishAsync);
        admin.MapDelete("/publish/{batch}", AbortPublish);
    }

    private static async Task<IResult> BeginPublishAsync(HttpContext context, IContentStore store, PublishBatches batches, IOptions<OriginOptions> options)
    {
        var (request, invalid) = await ReadJsonAsync(context, OriginJsonContext.Default.PublishRequest);
        if (request is null)
        {
            return invalid!;
        }

        var limits = options.Value;
        var count = (request.Items?.Count ?? 0) + (request.Deletes?.Count ?? 0);
        if (count == 0)
        {
            return BadRequest(context, "nothing to publish: give items or deletes");
        }

        if (count > limits.MaxBatchItems)
        {
            return BadRequest(context, $"a batch holds at most {limits.MaxBatchItems} items and deletes; this one has {count}");
        }

        var paths = new HashSet<string>(StringComparer.Ordinal);
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var items = new List<BatchItem>();
        for (var i = 0; i < (request.Items?.Count ?? 0); i++)
        {
            if (!TryBatchItem(request.Items![i], limits.MaxBodyBytes, out var item, out var error))
            {
                return BadRequest(context, $"items[{i}]: {error}");
            }

            if (!paths.Add(item.Path))
            {
                return BadRequest(context, $"items[{i}]: '{item.Path}' is in the batch twice");
            }

            if (sizes.TryGetValue(item.Hash, out var size) ? size != item.Size : store.BlobSize(item.Hash) is { } stored && stored != item.Size)
            {
                return BadRequest(context, $"items[{i}]: blob {item.Hash} is not {item.Size} bytes long");
            }

            sizes[item.Hash] = item.Size;
            items.Add(item);
        }

        var deletes = new List<string>();
        for (var i = 0; i < (request.Deletes?.Count ?? 0); i++)
        {
            if (!ContentPath.TryNormalize(request.Deletes![i] ?? string.Empty, out var path, out var error))
            {
                return BadRequest(context, $"deletes[{i}]: {error}");
            }

            if (!paths.Add(path))
            {
                return BadRequest(context, $"deletes[{i}]: '{path}' is in the batch twice");
            }

            deletes.Add(path);
        }

        if (batches.Open(items, deletes) is not { } batch)
        {
            return Error(StatusCodes.Status429TooManyRequests, $"{limits.MaxOpenBatches} publish batches are open already; commit or abort one");
        }

        // Pinned before this check, so a blob reported present cannot be collected before the commit.
        return Results.Json(
            StatusOf(batch, store),
            OriginJsonContext.Default.BatchStatus,
            statusCode: StatusCodes.Status201Created);
    }

    private static IResult BatchStatusOf(HttpContext context, string batch, IContentStore store, PublishBatches batches)
        => batches.Find(batch) is { } found
            ? Results.Json(StatusOf(found, store), OriginJsonContext.Default.BatchStatus)
            : NoSuchBatch(batch);

    private static async Task<IResult> UploadBlobAsync(HttpContext context, string batch, string hash, IContentStore store, PublishBatches batches)
    {
        if (batches.Find(batch) is not { } found)
        {
            return NoSuchBatch(batch);
        }

        if (!found.IsOpen)
        {
            return Error(StatusCodes.Status409Conflict, $"publish batch {batch} is committed; it takes no more uploads");
        }

        if (!FileContentStore.IsValidHash(hash))
        {
            return BadRequest(context, $"'{hash}' is not a SHA-256 hash in lower-case hex");
        }

        if (!found.Sizes.TryGetValue(hash, out var declared))
        {
            return BadRequest(context, $"blob {hash} is not part of publish batch {batch}");
        }

        if (context.Request.ContentLength is { } length && length != declared)
        {
            return BadRequest(context, $"blob {hash} was announced as {declared} bytes, not {length}");
        }

        try
        {
            await store.WriteBlobAsync(context.Request.Body, declared, hash, context.RequestAborted);
        }
        catch (ContentTooLargeException)
        {
            return BadRequest(context, $"blob {hash} is longer than the {declared} bytes it was announced as");
        }
        catch (BlobHashMismatchException mismatch)
        {
            return BadRequest(context, mismatch.Message);
        }

        var size = store.BlobSize(hash) ?? 0;
        return size == declared
            ? Results.Json(new BlobReport(hash, size), OriginJsonContext.Default.BlobReport)
            : BadRequest(context, $"blob {hash} is {size} bytes, but was announced as {declared}");
    }

    private static async Task<IResult> CommitPublishAsync(HttpContext context, string batch, PublishBatches batches, PublishPipeline pipeline, FleetRegistry fleet)
    {
        if (batches.Find(batch) is not { } found)
        {
            return NoSuchBatch(batch);
        }

        switch (found.TryClaimCommit())
        {
            case CommitClaim.Busy:
                return Error(StatusCodes.Status409Conflict, $"publish batch {batch} is being committed by another call");
            case CommitClaim.Committed:
                return await BatchAnswerAsync(context, fleet, found.Report!);
            case CommitClaim.Closed:
                return NoSuchBatch(batch);
        }

        BatchReport? report = null;
        IReadOnlyList<string> missing;
        try
        {
            (report, missing) = await pipeline.CommitBatchAsync(found, context.RequestAborted);
        }
        finally
        {
            found.EndCommit(report);
        }

        if (report is null)
        {
            var message = $"publish batch {batch} lacks {missing.Count} blob(s); upload them and commit again";
            LogBadRequest(Logger(context), context.Request.Method, context.Request.Path, message);
            return Results.Json(new MissingReport(message, missing), OriginJsonContext.Default.MissingReport, statusCode: StatusCodes.Status409Conflict);
        }

        // Waited for after the commit is recorded, so a retry meanwhile gets the answer instead of 409.
        return await BatchAnswerAsync(context, fleet, report);
    }

    private static IResult AbortPublish(string batch, PublishBatches batches)
    {
        if (batches.Find(batch) is not { } found)
        {
            return NoSuchBatch(batch);
        }

        if (found.Report is not null)
        {
            return Error(StatusCodes.Status409Conflict, $"publish batch {batch} is committed; it cannot be aborted");
        }

        return batches.TryAbort(found)
            ? Results.NoContent()
            : Error(StatusCodes.Status409Conflict, $"publish batch {batch} is being committed; it cannot be aborted");
    }

    private static BatchStatus StatusOf(PublishBatch batch, IContentStore store) => new(
        batch.Id,
        batch.Report is null ? "open" : "committed",
        batch.Report is null ? batch.MissingIn(store) : [],
        batch.Items.Count,
        batch.Deletes.Count,
        batch.ExpiresAt,
        batch.Report);

    private static bool TryBatchItem(PublishItem? item, long maxBytes, out BatchItem batchItem, out string error)
    {
        batchItem = null!;
        if (item is null)
        {
            error = "an item must be an object";
            return false;
        }

        if (!ContentPath.TryNormalize(item.Path ?? string.Empty, out var path, out error))
        {
            return false;
        }

        if (!FileContentStore.IsValidHash(item.Hash))
        {
            error = "hash must be the SHA-256 of the content in lower-case hex";
            return false;
        }

        if (item.Size is not { } size || size < 0 || size > maxBytes)
        {
            error = $"size must be given, from 0 to the limit of {maxBytes} bytes";
            return false;
        }

        var contentType = item.ContentType ?? "application/octet-stream";
        if (!IsMediaType(contentType))
        {
            error = $"contentType '{contentType}' is not a media type";
            return false;
        }

        if (item.CacheControl is { } cacheControl && !IsCacheControl(cacheControl))
        {
            error = $"cacheControl '{cacheControl}' is not a Cache-Control value";
            return false;
        }

        if (!TryTagList(item.Tags, out var tags, out error))
        {
            return false;
        }

        batchItem = new BatchItem(path, item.Hash!, size, contentType, tags, item.CacheControl);
        return true;
    }

    private static IResult NoSuchBatch(string batch)
        => Error(StatusCodes.Status404NotFound, $"no open publish batch '{batch}': it never existed, was aborted or expired");
}

internal sealed record PublishRequest(IReadOnlyList<PublishItem?>? Items, IReadOnlyList<string?>? Deletes);

internal sealed record PublishItem(string? Path, string? Hash, long? Size, string? ContentType, IReadOnlyList<string?>? Tags, string? CacheControl);

internal sealed record BatchStatus(
    string Batch,
    string State,
    IReadOnlyList<string> Missing,
    int Items,
    int Deletes,
    DateTimeOffset ExpiresAt,
    BatchReport? Report);

internal sealed record BlobReport(string Hash, long Size);

internal sealed record MissingReport(string Error, IReadOnlyList<string> Missing);
