using EdgeCache.Origin.Publishing;
using EdgeCache.Replication.Feed;
using EdgeCache.Replication.Fleet;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Origin.Admin;

/// <summary>
/// The answer of a mutating call: <c>{"seq":N}</c> at once, or with <c>?wait=all</c> once every
/// edge connected at commit time applied the seq or the timeout passed: a <see cref="WaitReport"/>,
/// 200 when no edge is pending, 202 otherwise.
/// </summary>
internal static partial class AdminEndpoints
{
    private static async Task<IResult> SeqAnswerAsync(HttpContext context, FleetRegistry fleet, long seq)
    {
        if (await WaitAsync(context, fleet, seq) is not { } waited)
        {
            return Results.Json(new SeqReport(seq), OriginJsonContext.Default.SeqReport);
        }

        return Results.Json(waited, ReplicationJsonContext.Default.WaitReport, statusCode: WaitStatus(waited));
    }

    /// <summary>A batch commit keeps its counts; with a wait they are joined by acked and pending.</summary>
    private static async Task<IResult> BatchAnswerAsync(HttpContext context, FleetRegistry fleet, BatchReport report)
    {
        if (await WaitAsync(context, fleet, report.Seq) is not { } waited)
        {
            return Results.Json(report, OriginJsonContext.Default.BatchReport);
        }

        return Results.Json(
            new BatchWaitReport(report.Seq, report.Changes, report.Unchanged, waited.Acked, waited.Pending),
            OriginJsonContext.Default.BatchWaitReport,
            statusCode: WaitStatus(waited));
    }

    private static async Task<WaitReport?> WaitAsync(HttpContext context, FleetRegistry fleet, long seq)
    {
        if (context.Features.Get<WaitRequest>() is not { } wait)
        {
            return null;
        }

        var waited = await fleet.WaitForAsync(seq, wait.Timeout, context.RequestAborted);
        if (waited.Pending.Count > 0)
        {
            LogWaitPending(Logger(context), seq, waited.Acked.Count, string.Join(", ", waited.Pending));
        }

        return waited;
    }

    private static int WaitStatus(WaitReport waited)
        => waited.Pending.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status202Accepted;

    [LoggerMessage(Level = LogLevel.Information, Message = "Seq {Seq}: {Acked} edge(s) acknowledged it in time; still pending: {Pending}")]
    private static partial void LogWaitPending(ILogger logger, long seq, int acked, string pending);
}

internal sealed record BatchWaitReport(long Seq, int Changes, int Unchanged, IReadOnlyList<string> Acked, IReadOnlyList<string> Pending);
