using System.CommandLine;
using System.Text.Json;
using EdgeCache.Cli.Client;
using EdgeCache.Cli.Options;
using EdgeCache.Cli.Publishing;
using EdgeCache.Cli.Rendering;

namespace EdgeCache.Cli.Commands;

/// <summary><c>edgecache publish PATH...</c>: uploads what changed and commits it as one change set.</summary>
internal static class PublishCommand
{
    public static Command Create(CliConsole console)
    {
        var paths = new Argument<string[]>("PATH") { Description = "Files and directories to publish; a directory's contents go under --to.", Arity = ArgumentArity.OneOrMore };
        var to = new Option<string>("--to") { Description = "Content path to publish under, e.g. /static (default /). Env: EDGECACHE_PUBLISH_TO." };
        var tag = new Option<string[]>("--tag") { Description = "Tag for every published file (repeatable), for purge --tag. Env: EDGECACHE_PUBLISH_TAG (comma-separated).", AllowMultipleArgumentsPerToken = false };
        var cacheControl = new Option<string>("--cache-control") { Description = "Cache-Control browsers get for these files (default: the origin's policy). Env: EDGECACHE_PUBLISH_CACHE_CONTROL." };
        var delete = new Option<bool>("--delete") { Description = "Also unpublish every published path under --to that this publish does not include (a sync). Env: EDGECACHE_PUBLISH_DELETE." };
        var client = new ClientOptions();

        var command = new Command("publish", """
            Publish files and directories through the origin. Only files whose bytes the origin lacks are
            uploaded; the whole set becomes one change, applied by every edge in order.

            Example:
              edgecache publish ./site --to / --tag site --wait --origin http://127.0.0.1:7000 --token s3cret
              EDGECACHE_ORIGIN=http://127.0.0.1:7000 EDGECACHE_TOKEN=s3cret edgecache publish logo.png --to /img
            """)
        {
            paths, to, tag, cacheControl, delete,
        };
        client.AddTo(command, waits: true);

        command.SetAction(async (parse, cancellationToken) =>
        {
            var source = client.SourceOf(parse, "publish");
            var prefix = PublishPlan.Prefix(source.Get(to));
            var waitTimeout = client.WaitFor(source);
            var json = source.Get(client.Json);
            using var origin = client.ConnectTo(source);

            var plan = await PublishPlan.ScanAsync(parse.GetValue(paths)!, prefix, source.Get(tag), cancellationToken);
            foreach (var skipped in plan.Skipped)
            {
                await console.WarnAsync($"skipped {skipped.File}: {skipped.Reason}");
            }

            var deletes = source.Get(delete) ? await DeletesAsync(origin, plan, prefix, cancellationToken) : [];
            if (plan.Files.Count == 0 && deletes.Count == 0)
            {
                throw new CommandFailedException("nothing to publish: no files found under " + string.Join(", ", parse.GetValue(paths)!));
            }

            var outcome = await new Publisher(origin, console).PublishAsync(plan.Files, source.Get(cacheControl), deletes, waitTimeout, cancellationToken);
            var commit = outcome.Commit;
            if (json)
            {
                await console.Out.WriteLineAsync(JsonSerializer.Serialize(
                    new PublishReport(outcome.Files, outcome.Uploaded, outcome.UploadedBytes, outcome.Deletes, commit.Seq, commit.Changes, commit.Unchanged, commit.Acked, commit.Pending),
                    ClientJsonContext.Default.PublishReport));
            }
            else
            {
                await console.Out.WriteLineAsync($"{outcome.Files} files, {outcome.Uploaded} uploaded ({Sizes.Format(outcome.UploadedBytes)}), {outcome.Deletes} deletes");
                await console.Out.WriteLineAsync($"published seq {commit.Seq}: {commit.Changes} changes, {commit.Unchanged} unchanged");
            }

            return waitTimeout is { } timeout
                ? await Confirmation.ReportAsync(console, commit.Acked, commit.Pending, timeout, json)
                : EdgeCacheCommand.Ok;
        });
        return command;
    }

    /// <summary>Every published path under the prefix that the plan does not have.</summary>
    private static async Task<IReadOnlyList<string>> DeletesAsync(OriginClient origin, PublishPlan plan, string prefix, CancellationToken cancellationToken)
    {
        var kept = plan.Files.Select(f => f.ContentPath).ToHashSet(StringComparer.Ordinal);
        var manifest = await origin.ManifestAsync(cancellationToken);
        return [.. manifest.Items
            .Select(item => item.Path)
            .Where(path => path.StartsWith(prefix + "/", StringComparison.Ordinal) && !kept.Contains(path))];
    }
}
