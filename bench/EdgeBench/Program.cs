using System.Diagnostics;
using EdgeCache.Bench;
using EdgeCache.Bench.Contenders;
using EdgeCache.Bench.Scenarios;
using EdgeCache.Bench.Tls;
using EdgeCache.Bench.Upstream;

// The edge against nginx proxy_cache and Varnish on this machine; run through bench/run.sh,
// which installs the contenders and builds the edge first. The report (Markdown) goes to
// stdout, progress to stderr.
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

var work = Directory.CreateTempSubdirectory("edgecache-bench-");
File.SetUnixFileMode(work.FullName, (UnixFileMode)0x1ED);
await using var upstream = new StaticUpstream();
await upstream.StartAsync();
var report = new System.Text.StringBuilder();
report.AppendLine(MachineDescription());
try
{
    if (options.Parts.Contains("hits") || options.Parts.Contains("collapse"))
    {
        var certificate = options.Tls ? BenchCertificate.Create(work.FullName) : null;
        var names = options.Contenders;
        if (options.Tls && names.Contains("varnish"))
        {
            // Varnish has no TLS of its own (it takes a separate terminator such as hitch), so it has no HTTPS figure to give.
            names = [.. names.Where(n => n != "varnish")];
            Console.Error.WriteLine("--tls: Varnish cannot terminate TLS and is left out");
            report.AppendLine("With `--tls`, Varnish is left out: it cannot terminate TLS.");
            report.AppendLine();
        }

        if (names.Length == 0)
        {
            throw new InvalidOperationException("no contender left to run over TLS");
        }

        var contenders = new List<Contender>();
        try
        {
            foreach (var name in names)
            {
                Contender contender = name switch
                {
                    "edge" => new EdgeContender(work.FullName, options.Edgecache, certificate),
                    "nginx" => new NginxContender(work.FullName, certificate),
                    _ => new VarnishContender(work.FullName),
                };
                contenders.Add(contender);
                await contender.StartAsync(upstream.Url, options.Pin);
            }

            if (options.Parts.Contains("hits"))
            {
                Console.Error.WriteLine("hits:");
                report.AppendLine(await new HitThroughput(options, upstream, contenders).RunAsync());
            }

            if (options.Parts.Contains("collapse"))
            {
                Console.Error.WriteLine("miss collapsing:");
                report.AppendLine(await new MissCollapsing(options, upstream, contenders).RunAsync());
            }
        }
        finally
        {
            foreach (var contender in contenders)
            {
                await contender.DisposeAsync();
            }
        }
    }

    if (options.Parts.Contains("memory"))
    {
        Console.Error.WriteLine("edge memory:");
        await using var edge = new EdgeContender(Path.Combine(work.FullName, "memory"), options.Edgecache);
        await edge.StartAsync(upstream.Url, options.Pin);
        report.AppendLine(await new EdgeMemory(options, edge).RunAsync());
    }

    if (options.Parts.Contains("replication") && options.ReplicationLatency is { } replication)
    {
        Console.Error.WriteLine("replication latency:");
        report.AppendLine(await new ReplicationLatencyRun(replication).RunAsync());
    }
}
catch (Exception e) when (e is InvalidOperationException or TimeoutException or FormatException or HttpRequestException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
finally
{
    try
    {
        work.Delete(recursive: true);
    }
    catch (IOException)
    {
    }
}

Console.WriteLine(report.ToString());
return 0;

static string MachineDescription()
{
    var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
    return $"Machine: {cpu}, {Environment.ProcessorCount} cores, {Environment.OSVersion.VersionString}, .NET {Environment.Version}; "
        + $"{Version("nginx", "-v")}, {Version("varnishd", "-V")}, {Version("wrk", "-v")}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.\n";
}

static string Version(string program, string flag)
{
    var start = new ProcessStartInfo(program, flag) { RedirectStandardOutput = true, RedirectStandardError = true };
    using var process = Process.Start(start)!;
    var text = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
    process.WaitForExit();
    return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? program;
}
