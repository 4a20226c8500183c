using System.CommandLine;
using System.Text.Json;
using EdgeCache.Cli.Client;
using EdgeCache.Cli.Options;
using EdgeCache.Cli.Rendering;
using EdgeCache.Origin.Admin;

namespace EdgeCache.Cli.Commands;

/// <summary><c>edgecache purge</c>: drops (or, with <c>--soft</c>, marks stale) cached objects on every edge.</summary>
internal static class PurgeCommand
{
    public static Command Create(CliConsole console)
    {
        var path = new Option<string[]>("--path") { Description = "Purge this path (repeatable). Env: EDGECACHE_PURGE_PATH." };
        var prefix = new Option<string[]>("--prefix") { Description = "Purge every path under this prefix (repeatable). Env: EDGECACHE_PURGE_PREFIX." };
        var tag = new Option<string[]>("--tag") { Description = "Purge everything published with this tag (repeatable). Env: EDGECACHE_PURGE_TAG." };
        var all = new Option<bool>("--all") { Description = "Purge everything. Env: EDGECACHE_PURGE_ALL." };
        var soft = new Option<bool>("--soft") { Description = "Mark stale instead of dropping: edges revalidate, and may serve stale if the upstream fails. Env: EDGECACHE_PURGE_SOFT." };
        var client = new ClientOptions();

        var command = new Command("purge", """
            Purge cached objects on every edge, in order with every published change.

            Example:
              edgecache purge --tag css --wait --origin http://127.0.0.1:7000 --token s3cret
              edgecache purge --prefix /img/ --soft --origin http://127.0.0.1:7000 --token s3cret
            """)
        {
            path, prefix, tag, all, soft,
        };
        client.AddTo(command, waits: true);

        command.SetAction(async (parse, cancellationToken) =>
        {
            var source = client.SourceOf(parse, "purge");
            var request = new PurgeRequest([.. source.Get(path)], [.. source.Get(prefix)], [.. source.Get(tag)], source.Get(all), source.Get(soft));
            var targets = request.Paths!.Count + request.Prefixes!.Count + request.Tags!.Count;
            if (targets == 0 && !request.All)
            {
                throw new UsageException("nothing to purge: give --path, --prefix, --tag or --all");
            }

            if (targets > 0 && request.All)
            {
                throw new UsageException("--all purges everything; it takes no --path, --prefix or --tag");
            }

            var waitTimeout = client.WaitFor(source);
            var json = source.Get(client.Json);
            using var origin = client.ConnectTo(source);
            var answer = await origin.PurgeAsync(request, waitTimeout, cancellationToken);
            await console.Out.WriteLineAsync(json
                ? JsonSerializer.Serialize(answer, ClientJsonContext.Default.PurgeAnswer)
                : $"purged{(request.Soft ? " (soft)" : string.Empty)}: seq {answer.Seq}");

            return waitTimeout is { } timeout
                ? await Confirmation.ReportAsync(console, answer.Acked, answer.Pending, timeout, json)
                : EdgeCacheCommand.Ok;
        });
        return command;
    }
}
