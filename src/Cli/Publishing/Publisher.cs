using EdgeCache.Cli.Client;
using EdgeCache.Cli.Rendering;
using EdgeCache.Origin.Admin;
using Spectre.Console;

namespace EdgeCache.Cli.Publishing;

/// <summary>What a publish did: files announced, blobs uploaded, and the commit's answer.</summary>
internal sealed record PublishOutcome(int Files, int Uploaded, long UploadedBytes, int Deletes, CommitAnswer Commit);

/// <summary>
/// Publishes files through the origin's batch API: announces every file with its hash, uploads
/// only the blobs the origin lacks, then commits them as one all-or-nothing change. Unchanged
/// files cost one line of the announcement and nothing else.
/// </summary>
internal sealed class Publisher(OriginClient origin, CliConsole console)
{
    /// <summary>Uploads at or above this size show a progress bar on a terminal.</summary>
    public const long ProgressBarBytes = 1 << 20;

    private const int ParallelUploads = 4;

    public async Task<PublishOutcome> PublishAsync(
        IReadOnlyList<PublishFile> files,
        string? cacheControl,
        IReadOnlyList<string> deletes,
        TimeSpan? wait,
        CancellationToken cancellationToken)
    {
        var request = new PublishRequest(
            [.. files.Select(f => new PublishItem(f.ContentPath, f.Hash, f.Size, f.ContentType, [.. f.Tags], cacheControl))],
            [.. deletes]);
        var batch = await origin.OpenBatchAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            var missing = new HashSet<string>(batch.Missing, StringComparer.Ordinal);
            // One upload per blob, whichever file carries it.
            var uploads = files.Where(f => missing.Remove(f.Hash)).ToList();
            var bytes = uploads.Sum(f => f.Size);
            await UploadAsync(batch.Batch, uploads, bytes, cancellationToken).ConfigureAwait(false);
            var commit = await origin.CommitAsync(batch.Batch, wait, cancellationToken).ConfigureAwait(false);
            return new PublishOutcome(files.Count, uploads.Count, bytes, deletes.Count, commit);
        }
        catch
        {
            await origin.AbortAsync(batch.Batch).ConfigureAwait(false);
            throw;
        }
    }

    private async Task UploadAsync(string batch, List<PublishFile> uploads, long bytes, CancellationToken cancellationToken)
    {
        if (uploads.Count == 0)
        {
            return;
        }

        if (!console.Interactive || bytes < ProgressBarBytes)
        {
            await UploadAllAsync(batch, uploads, _ => { }, cancellationToken).ConfigureAwait(false);
            return;
        }

        await console.Ansi.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask($"uploading {uploads.Count} files ({Sizes.Format(bytes)})", maxValue: bytes);
                await UploadAllAsync(batch, uploads, task.Increment, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    private Task UploadAllAsync(string batch, List<PublishFile> uploads, Action<double> sent, CancellationToken cancellationToken)
        => Parallel.ForEachAsync(
            uploads,
            new ParallelOptions { MaxDegreeOfParallelism = ParallelUploads, CancellationToken = cancellationToken },
            (file, token) => new ValueTask(origin.UploadBlobAsync(batch, file.Hash, file.File, file.Size, chunk => sent(chunk), token)));
}
