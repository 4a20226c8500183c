using EdgeCache.Bench.Tls;

namespace EdgeCache.Bench.Contenders;

/// <summary>The EdgeCache edge, run as the built <c>edgecache edge</c> executable.</summary>
internal sealed class EdgeContender(string workDirectory, string executable, BenchCertificate? certificate = null)
    : Contender("edge", workDirectory, certificate)
{
    public const string Token = "bench-token";

    protected override (string Program, IReadOnlyList<string> Arguments) Command(string upstreamUrl)
        => (executable,
        [
            "edge",
            "--listen", Url,
            "--upstream", upstreamUrl,
            "--cache-size", "4GB",
            "--id", "edge",
            "--token", Token,
            .. Certificate is null ? [] : (string[])["--cert", Certificate.CertificatePath, "--key", Certificate.KeyPath],
        ]);

    public override bool IsHit(HttpResponseMessage response)
        => response.Headers.TryGetValues("Cache-Status", out var values)
           && values.Any(v => v.Contains("edge; hit", StringComparison.Ordinal));
}
