using System.Globalization;

namespace EdgeCache.Cli.Rendering;

/// <summary>
/// The end of a <c>--wait</c>: which edges confirmed the change and which are still pending. A
/// pending edge fails the command (exit 1): the change is durable at the origin, but the caller
/// asked to know every edge has it.
/// </summary>
internal static class Confirmation
{
    public static async Task<int> ReportAsync(CliConsole console, IReadOnlyList<string>? acked, IReadOnlyList<string>? pending, TimeSpan timeout, bool json)
    {
        acked ??= [];
        pending ??= [];
        if (!json)
        {
            await console.Out.WriteLineAsync(acked.Count == 0 && pending.Count == 0
                ? "confirmed: no edge is connected"
                : $"confirmed by {Edges(acked.Count)}: {string.Join(", ", acked)}");
        }

        if (pending.Count == 0)
        {
            return EdgeCacheCommand.Ok;
        }

        await console.Error.WriteLineAsync(
            $"edgecache: not confirmed within {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s by {Edges(pending.Count)}: {string.Join(", ", pending)}");
        return EdgeCacheCommand.Failed;
    }

    private static string Edges(int count) => count == 1 ? "1 edge" : $"{count} edges";
}
