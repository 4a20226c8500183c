using System.Globalization;
using System.Net;

namespace EdgeCache.IntegrationTests.Infrastructure;

/// <summary>The real <c>edgecache dns</c> for a test fleet, and the real <c>dig</c> (Debian dnsutils) to ask it.</summary>
public sealed record DnsServerProcess(CliProcess Process, IPEndPoint Endpoint) : IAsyncDisposable
{
    /// <summary>The zone every test server answers for.</summary>
    public const string Zone = "cdn.test";

    /// <summary>Starts <c>edgecache dns</c> on a free port of 127.0.0.1 for <paramref name="fleet"/>'s origin, with more <paramref name="options"/>.</summary>
    public static async Task<DnsServerProcess> StartAsync(TestFleet fleet, params string[] options)
    {
        var process = CliProcess.Start(
            ["dns", "--listen", "127.0.0.1:0", "--zone", Zone, "--origin", fleet.Origin.Url, "--token", TestOrigin.Token, .. options]);
        try
        {
            var line = await process.WaitForLineAsync(l => l.StartsWith("dns listening on ", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            // "dns listening on 127.0.0.1:PORT zone cdn.test"
            return new DnsServerProcess(process, IPEndPoint.Parse(line.Split(' ')[3]));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>The address an edge's A record carries.</summary>
    public static string Host(FleetEdge edge) => new Uri(edge.Edge.Url).Host;

    /// <summary>Waits until the server's fleet view (read from the origin every few seconds) gives the expected A answer for <paramref name="name"/>.</summary>
    public async Task WaitUntilAnsweredAsync(string name, Func<List<string>, bool> expected)
        => Assert.True(await Deadline.UntilAsync(async () => expected(await DigShortAsync(name, "A")), TimeSpan.FromSeconds(20)), "the DNS server never answered the expected fleet");

    /// <summary><c>dig +short</c>: the answer lines.</summary>
    public async Task<List<string>> DigShortAsync(string name, string type, params string[] options)
    {
        var (exitCode, output, error) = await DigAsync(name, type, ["+short", .. options]);
        Assert.True(exitCode == 0, error);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith(';'))];
    }

    /// <summary><c>dig</c> with its whole output; a lost datagram is asked again, as resolvers do.</summary>
    public Task<(int ExitCode, string Output, string Error)> DigAsync(string name, string type, params string[] options)
        => CliProcess.RunProgramAsync(
            "dig",
            [$"@{Endpoint.Address}", "-p", Endpoint.Port.ToString(CultureInfo.InvariantCulture), name, type, "+time=3", "+tries=2", .. options],
            within: TimeSpan.FromSeconds(20));

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
