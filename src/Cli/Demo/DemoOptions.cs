using System.CommandLine;
using EdgeCache.Cli.Options;
using EdgeCache.Replication.Feed;

namespace EdgeCache.Cli.Demo;

/// <summary>
/// The options of <c>edgecache demo</c>, read from the command line, the environment
/// (<c>EDGECACHE_REGIONS</c>, …) or the config file's <c>Demo</c> section, and checked into a
/// <see cref="DemoLayout"/>.
/// </summary>
internal sealed class DemoOptions
{
    /// <summary>Section of the config file the demo's own options come from.</summary>
    public const string ConfigSection = "Demo";

    public const int DefaultEdgesPerRegion = 2;

    /// <summary>Region r gets the loopback network 127.0.r.0/24, and r is 1 to 254.</summary>
    public const int MaxRegions = 254;

    public const int MaxEdgesPerRegion = 50;

    public static readonly IReadOnlyList<string> DefaultRegions = ["us-east", "eu-west", "ap-south"];

    public Option<string[]> Regions { get; } = new("--regions")
    {
        Description = "Regions to start (at most 254), comma-separated, each 1 to 64 of A-Z a-z 0-9 . _ - (default us-east,eu-west,ap-south). Env: EDGECACHE_REGIONS.",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string> EdgesPerRegion { get; } = new("--edges-per-region")
    {
        Description = $"Edges in each region, 1 to {MaxEdgesPerRegion} (default {DefaultEdgesPerRegion}); region r's edge e listens on 127.0.r.e. Env: EDGECACHE_EDGES_PER_REGION.",
    };

    public Option<string> Data { get; } = new("--data")
    {
        Description = "Folder for the origin's files, kept at exit (default: a new temporary folder, removed at exit). Env: EDGECACHE_DATA.",
    };

    public Option<FileInfo> Config { get; } = new("--config")
    {
        Description = "JSON config file: its Demo section may hold any option by name, e.g. {\"Demo\":{\"Regions\":\"us-east,eu-west\",\"EdgesPerRegion\":1}}; its Origin and Edge sections tune the origin and every edge. Env: EDGECACHE_CONFIG.",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Regions);
        command.Options.Add(EdgesPerRegion);
        command.Options.Add(Data);
        command.Options.Add(Config);
    }

    /// <summary>The demo the options describe.</summary>
    /// <exception cref="UsageException">A value is malformed or out of range; the message names the option.</exception>
    public DemoLayout Read(ParseResult parse)
    {
        var source = OptionSource.Of(parse, Config, ConfigSection);
        var edgesPerRegion = source.GetInt32(EdgesPerRegion, 1, MaxEdgesPerRegion) ?? DefaultEdgesPerRegion;
        var regions = source.Get(Regions) is { Count: > 0 } given ? ReadRegions(given, edgesPerRegion) : DefaultRegions;
        var data = source.Get(Data);
        if (data is not null && File.Exists(data))
        {
            throw new UsageException($"{Data.Name}: '{data}' is a file; give a folder (created if missing)");
        }

        return new DemoLayout(regions, edgesPerRegion, data, OptionSource.ConfigFile(parse, Config));
    }

    private string[] ReadRegions(IReadOnlyList<string> given, int edgesPerRegion)
    {
        // Each value may itself be a list: --regions a,b, EDGECACHE_REGIONS=a,b, "Regions": ["a", "b"] or "a,b".
        var names = given.SelectMany(value => value.Split(',', StringSplitOptions.TrimEntries)).ToArray();
        if (names.All(name => name.Length == 0))
        {
            throw new UsageException($"{Regions.Name}: no region given; name them comma-separated, e.g. us-east,eu-west");
        }

        if (names.Length > MaxRegions)
        {
            throw new UsageException($"{Regions.Name}: {names.Length} regions; at most {MaxRegions} (region r listens on 127.0.r.0/24)");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!FeedProtocol.IsValidName(name))
            {
                throw new UsageException($"{Regions.Name}: '{name}' is not a region name: 1 to 64 of A-Z a-z 0-9 . _ -");
            }

            // Edge ids are REGION-E and must be valid names too, which takes a few characters off the region's.
            if (!FeedProtocol.IsValidName(EdgePlacement.IdOf(name, edgesPerRegion)))
            {
                throw new UsageException($"{Regions.Name}: '{name}' is too long for edge ids such as {EdgePlacement.IdOf(name, edgesPerRegion)} (at most 64 characters)");
            }

            if (!seen.Add(name))
            {
                throw new UsageException($"{Regions.Name}: '{name}' is given twice");
            }
        }

        return names;
    }
}
