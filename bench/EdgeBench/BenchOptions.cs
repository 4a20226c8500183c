using System.Globalization;

namespace EdgeCache.Bench;

/// <summary>What <c>bench/run.sh</c> measures and how long; parsed from its arguments.</summary>
internal sealed class BenchOptions
{
    /// <summary>The built <c>edgecache</c> executable the edge runs as.</summary>
    public required string Edgecache { get; init; }

    /// <summary>The built ReplicationLatency benchmark (a .dll), or null to skip it.</summary>
    public string? ReplicationLatency { get; init; }

    public int Rounds { get; init; } = 3;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(30);

    public int Connections { get; init; } = 64;

    /// <summary>Pins every server to CPU 0 and wrk to CPU 1, so each contender gets one core and never competes with the load generator.</summary>
    public bool Pin { get; init; } = true;

    public int MemoryObjects { get; init; } = 100_000;

    public int CollapseRequests { get; init; } = 1_000;

    /// <summary>
    /// Hits and miss collapsing over HTTPS, with a throwaway self-signed certificate; Varnish, which
    /// cannot terminate TLS, is left out. Edge memory and replication latency are unchanged.
    /// </summary>
    public bool Tls { get; init; }

    /// <summary>After the memory fill, prints the edge's managed heap by type (dotnet-gcdump, when installed) to stderr.</summary>
    public bool HeapReport { get; init; }

    /// <summary>The parts to run: hits, collapse, replication, memory.</summary>
    public HashSet<string> Parts { get; init; } = ["hits", "collapse", "replication", "memory"];

    public string[] Contenders { get; init; } = ["edge", "nginx", "varnish"];

    public const string Usage = """
        usage: run.sh [--rounds N] [--duration SECONDS] [--warmup SECONDS] [--connections N]
                      [--only hits,collapse,replication,memory] [--contenders edge,nginx,varnish]
                      [--objects N] [--collapse-requests N] [--no-pin] [--heap-report] [--tls]

          --tls  hits and miss collapsing over HTTPS (a throwaway self-signed ECDSA P-256 certificate
                 for 127.0.0.1; wrk keeps its connections, so this measures the records' encryption,
                 not handshakes); Varnish cannot terminate TLS and is left out
        """;

    public static BenchOptions Parse(string[] args)
    {
        string? edgecache = null;
        string? replication = null;
        var rounds = 3;
        var duration = 10.0;
        var warmup = 30.0;
        var connections = 64;
        var pin = true;
        var heapReport = false;
        var tls = false;
        var objects = 100_000;
        var collapse = 1_000;
        HashSet<string> parts = ["hits", "collapse", "replication", "memory"];
        string[] contenders = ["edge", "nginx", "varnish"];
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--edgecache": edgecache = Next(); break;
                case "--replication-latency": replication = Next(); break;
                case "--rounds": rounds = Positive(Next()); break;
                case "--duration": duration = Positive(Next()); break;
                case "--warmup": warmup = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--connections": connections = Positive(Next()); break;
                case "--objects": objects = Positive(Next()); break;
                case "--collapse-requests": collapse = Positive(Next()); break;
                case "--no-pin": pin = false; break;
                case "--heap-report": heapReport = true; break;
                case "--tls": tls = true; break;
                case "--only": parts = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]; break;
                case "--contenders": contenders = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        foreach (var part in parts)
        {
            if (part is not ("hits" or "collapse" or "replication" or "memory"))
            {
                throw new ArgumentException($"unknown part '{part}'");
            }
        }

        foreach (var contender in contenders)
        {
            if (contender is not ("edge" or "nginx" or "varnish"))
            {
                throw new ArgumentException($"unknown contender '{contender}'");
            }
        }

        return new BenchOptions
        {
            Edgecache = edgecache ?? throw new ArgumentException("--edgecache PATH is required (run.sh passes it)"),
            ReplicationLatency = replication,
            Rounds = rounds,
            Duration = TimeSpan.FromSeconds(duration),
            Warmup = TimeSpan.FromSeconds(warmup),
            Connections = connections,
            Pin = pin,
            HeapReport = heapReport,
            Tls = tls,
            MemoryObjects = objects,
            CollapseRequests = collapse,
            Parts = parts,
            Contenders = contenders,
        };
    }

    private static int Positive(string value)
        => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"'{value}' is not a positive whole number");
}
