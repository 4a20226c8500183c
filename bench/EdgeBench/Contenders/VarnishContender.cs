namespace EdgeCache.Bench.Contenders;

/// <summary>Varnish with its built-in VCL and a malloc store; it collapses misses by default (waiting list).</summary>
internal sealed class VarnishContender(string workDirectory) : Contender("varnish", workDirectory, certificate: null)
{
    protected override (string Program, IReadOnlyList<string> Arguments) Command(string upstreamUrl)
        => ("varnishd",
        [
            "-F",
            // No privilege separation: the benchmark runs it in a throw-away folder, as whoever runs the benchmark.
            "-j", "none",
            "-n", Path.Combine(WorkDirectory, "instance"),
            "-a", $"127.0.0.1:{Port}",
            "-b", new Uri(upstreamUrl).Authority,
            "-s", "malloc,4G",
        ]);

    /// <summary>A hit's <c>X-Varnish</c> names two transactions: this request and the one that fetched the object.</summary>
    public override bool IsHit(HttpResponseMessage response)
        => response.Headers.TryGetValues("X-Varnish", out var values) && values.First().Contains(' ', StringComparison.Ordinal);
}
