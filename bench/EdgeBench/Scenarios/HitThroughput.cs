using EdgeCache.Bench.Contenders;
using EdgeCache.Bench.Load;
using EdgeCache.Bench.Tls;
using EdgeCache.Bench.Upstream;

namespace EdgeCache.Bench.Scenarios;

/// <summary>
/// Cache hits through each contender, 1 KiB and 100 KiB objects, with wrk. The contenders take
/// turns within every round (the order rotates from round to round), so a slow patch of the
/// machine hits all of them; each figure is the median over the rounds.
/// </summary>
internal sealed class HitThroughput(BenchOptions options, StaticUpstream upstream, IReadOnlyList<Contender> contenders)
{
    public static readonly (string Label, int Bytes)[] Sizes = [("1 KiB", 1024), ("100 KiB", 100 * 1024)];

    public async Task<string> RunAsync()
    {
        var wrk = new WrkRunner(options.Connections, options.Pin);
        // Over TLS every contender serves the bench's one certificate, so one client checks them all.
        using var client = new HttpClient(contenders[0].Certificate?.Trust(new SocketsHttpHandler()) ?? new SocketsHttpHandler());
        foreach (var (_, bytes) in Sizes)
        {
            foreach (var contender in contenders)
            {
                await WarmAsync(client, contender, bytes, wrk);
            }
        }

        var fetchesBefore = upstream.TotalFetches;
        var results = new Dictionary<(string Contender, int Bytes), List<WrkResult>>();
        for (var round = 0; round < options.Rounds; round++)
        {
            foreach (var (label, bytes) in Sizes)
            {
                for (var i = 0; i < contenders.Count; i++)
                {
                    var contender = contenders[(i + round) % contenders.Count];
                    var result = await wrk.RunAsync(UrlOf(contender, bytes), options.Duration);
                    if (result.Errors > 0)
                    {
                        throw new InvalidOperationException($"{contender.Name} answered {result.Errors} requests with errors ({label})");
                    }

                    Console.Error.WriteLine($"  round {round + 1}/{options.Rounds} {label,-7} {contender.Name,-7} {result.RequestsPerSecond,10:N0} req/s  p50 {result.P50Ms:0.000} ms  p99 {result.P99Ms:0.000} ms"
                        + (options.Pin ? $"  server core {result.ServerCoreBusy * 100:0}% ({result.ServerMicrosecondsPerRequest:0.0} us/req), wrk core {result.LoadCoreBusy * 100:0}%" : string.Empty));
                    (results.TryGetValue((contender.Name, bytes), out var list) ? list : results[(contender.Name, bytes)] = []).Add(result);
                }
            }
        }

        var fetchesDuring = upstream.TotalFetches - fetchesBefore;
        return Report(results, fetchesDuring, await NegotiatedAsync());
    }

    private static string UrlOf(Contender contender, int bytes) => $"{contender.Url}/obj/{bytes}/hit";

    private async Task WarmAsync(HttpClient client, Contender contender, int bytes, WrkRunner wrk)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var response = await client.GetAsync(UrlOf(contender, bytes));
            var body = await response.Content.ReadAsByteArrayAsync();
            if (!response.IsSuccessStatusCode || body.Length != bytes)
            {
                throw new InvalidOperationException($"{contender.Name} answered {(int)response.StatusCode} with {body.Length} bytes for a {bytes}-byte object");
            }

            if (contender.IsHit(response))
            {
                break;
            }

            if (attempt == 5)
            {
                throw new InvalidOperationException($"{contender.Name} does not serve the {bytes}-byte object from its cache");
            }
        }

        if (options.Warmup > TimeSpan.Zero)
        {
            // The edge's JIT reaches its optimised code (tier 1, with profile-guided optimisation) under
            // load, and that takes time: under 100 KiB hits it still compiled methods 40 s in, and the
            // edge's p99 in successive 10 s runs fell from 13.5 to 4.7 ms over the first minute.
            await wrk.RunAsync(UrlOf(contender, bytes), options.Warmup);
        }
    }

    /// <summary>Over TLS, what each contender negotiates with a client offering HTTP/1.1 as wrk does; null over plain HTTP.</summary>
    private async Task<string?> NegotiatedAsync()
    {
        if (contenders[0].Certificate is not { } certificate)
        {
            return null;
        }

        var negotiated = new List<string>();
        foreach (var contender in contenders)
        {
            negotiated.Add($"{contender.Name} {await certificate.NegotiateAsync(contender.Port)}");
        }

        return string.Join(", ", negotiated);
    }

    private string Report(Dictionary<(string Contender, int Bytes), List<WrkResult>> results, int fetchesDuring, string? negotiated)
    {
        var report = new System.Text.StringBuilder();
        report.AppendLine($"Cache hits: wrk -t1 -c{options.Connections}, {options.Duration.TotalSeconds:0} s per run, {options.Rounds} rounds, contenders alternating; median of the rounds."
            + (options.Pin ? " Each server pinned to CPU 0, wrk to CPU 1." : " Not pinned."));
        if (negotiated is not null)
        {
            report.AppendLine();
            report.AppendLine($"**TLS on**: HTTPS with a {BenchCertificate.Description}, HTTP/1.1 over kept-alive connections (handshakes amortised). Negotiated: {negotiated}.");
        }
        report.AppendLine();
        // The CPU columns tell a server-bound run (server core near 100%) from one where wrk's core is
        // saturated and every contender is held to what one wrk thread can take.
        report.AppendLine(options.Pin
            ? "| object | contender | requests/s | p50 | p99 | server core busy | server CPU per request | wrk core busy |"
            : "| object | contender | requests/s | p50 | p99 |");
        report.AppendLine(options.Pin ? "|---|---|---:|---:|---:|---:|---:|---:|" : "|---|---|---:|---:|---:|");
        foreach (var (label, bytes) in Sizes)
        {
            foreach (var contender in contenders)
            {
                var runs = results[(contender.Name, bytes)];
                report.Append($"| {label} | {contender.Name} | {Median(runs, r => r.RequestsPerSecond):N0} | {Median(runs, r => r.P50Ms):0.000} ms | {Median(runs, r => r.P99Ms):0.000} ms |");
                report.AppendLine(options.Pin
                    ? $" {Median(runs, r => r.ServerCoreBusy) * 100:0}% | {Median(runs, r => r.ServerMicrosecondsPerRequest):0.0} us | {Median(runs, r => r.LoadCoreBusy) * 100:0}% |"
                    : string.Empty);
            }
        }

        if (contenders.Any(c => c.Name == "edge") && contenders.Count > 1)
        {
            report.AppendLine();
            report.AppendLine("| object | ratio | requests/s | p99 |");
            report.AppendLine("|---|---|---:|---:|");
            foreach (var (label, bytes) in Sizes)
            {
                var edge = results[("edge", bytes)];
                foreach (var other in contenders.Where(c => c.Name != "edge"))
                {
                    var runs = results[(other.Name, bytes)];
                    report.AppendLine($"| {label} | edge/{other.Name} | {Median(edge, r => r.RequestsPerSecond) / Median(runs, r => r.RequestsPerSecond):0.00} | {Median(edge, r => r.P99Ms) / Median(runs, r => r.P99Ms):0.00} |");
                }
            }
        }

        report.AppendLine();
        report.AppendLine($"Upstream requests during the measured runs: {fetchesDuring} (every request was a hit).");
        return report.ToString();
    }

    private static double Median(List<WrkResult> runs, Func<WrkResult, double> figure)
    {
        var sorted = runs.Select(figure).Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
