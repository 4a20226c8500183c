using System.Diagnostics;
using EdgeCache.Bench.Contenders;
using EdgeCache.Bench.Upstream;

namespace EdgeCache.Bench.Scenarios;

/// <summary>
/// N clients ask each contender at once for an object it does not have, which the upstream
/// takes a second to answer: how many requests reach the upstream (1 is perfect collapsing)?
/// </summary>
internal sealed class MissCollapsing(BenchOptions options, StaticUpstream upstream, IReadOnlyList<Contender> contenders)
{
    public async Task<string> RunAsync()
    {
        var report = new System.Text.StringBuilder();
        report.AppendLine($"Miss collapsing: {options.CollapseRequests:N0} concurrent requests (one connection each) for one uncached 1 KiB object that the upstream answers after {StaticUpstream.SlowDelay.TotalSeconds:0} s."
            + (contenders.Any(c => c.Certificate is not null) ? " **TLS on** (HTTPS): every request is a new connection with its own handshake." : string.Empty));
        report.AppendLine();
        report.AppendLine("| contender | upstream fetches | 200 responses with the whole body | all answered after |");
        report.AppendLine("|---|---:|---:|---:|");
        foreach (var contender in contenders)
        {
            var path = $"/slow/collapse-{contender.Name}-{Guid.NewGuid():N}";
            var (ok, elapsed) = await StampedeAsync(contender, contender.Url + path);
            report.AppendLine($"| {contender.Name} | {upstream.FetchesOf(path)} | {ok:N0} / {options.CollapseRequests:N0} | {elapsed.TotalMilliseconds:N0} ms |");
            Console.Error.WriteLine($"  {contender.Name}: {upstream.FetchesOf(path)} upstream fetches, {ok} ok, {elapsed.TotalMilliseconds:N0} ms");
        }

        return report.ToString();
    }

    private async Task<(int Ok, TimeSpan Elapsed)> StampedeAsync(Contender contender, string url)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, ConnectTimeout = TimeSpan.FromSeconds(30) };
        contender.Certificate?.Trust(handler);
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = new Task<bool>[options.CollapseRequests];
        for (var i = 0; i < requests.Length; i++)
        {
            requests[i] = Task.Run(async () =>
            {
                await go.Task;
                try
                {
                    using var response = await client.GetAsync(url);
                    var body = await response.Content.ReadAsByteArrayAsync();
                    return response.IsSuccessStatusCode && body.Length == 1024;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
                catch (TaskCanceledException)
                {
                    return false;
                }
            });
        }

        var clock = Stopwatch.StartNew();
        go.SetResult();
        var results = await Task.WhenAll(requests);
        return (results.Count(ok => ok), clock.Elapsed);
    }
}
