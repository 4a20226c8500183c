using System.Text.RegularExpressions;
using EdgeCache.Cli;

namespace EdgeCache.Deploy.Tests.Cli;

/// <summary>
/// The commands and options of <c>edgecache</c>, read from its own <c>--help</c> (run in this process), so a systemd unit
/// is held to the CLI that ships rather than to a list kept by hand.
/// </summary>
internal sealed partial class CliHelp
{
    private static readonly Lazy<Task<CliHelp>> Read = new(ReadAsync);

    private readonly IReadOnlyDictionary<string, IReadOnlySet<string>> _options;

    private CliHelp(IReadOnlyDictionary<string, IReadOnlySet<string>> options) => _options = options;

    public IEnumerable<string> Commands => _options.Keys.Order(StringComparer.Ordinal);

    /// <summary>The help of this build of the CLI, read once per test run.</summary>
    public static Task<CliHelp> OfThisBuildAsync() => Read.Value;

    public bool HasCommand(string command) => _options.ContainsKey(command);

    /// <summary>The <c>--name</c> options of <paramref name="command"/> (aliases included); empty for a command that does not exist.</summary>
    public IReadOnlySet<string> OptionsOf(string command)
        => _options.TryGetValue(command, out var options) ? options : new HashSet<string>();

    /// <summary>The first words of the rows of a help text's <paramref name="section"/> ("Commands:", "Options:").</summary>
    /// <remarks>
    /// A row starts two spaces in; wrapped description lines start further in, and so never count, even when they
    /// mention an option ("defaults to --origin"). An option row lists its aliases before the description: "-?, -h, --help".
    /// </remarks>
    public static IReadOnlyList<string> RowsOf(string help, string section)
    {
        var rows = new List<string>();
        var inSection = false;
        foreach (var line in help.Split('\n').Select(line => line.TrimEnd('\r')))
        {
            if (line.Length > 0 && !char.IsWhiteSpace(line[0]))
            {
                inSection = line.Trim() == section;
                continue;
            }

            var row = Row().Match(line);
            if (inSection && row.Success)
            {
                rows.Add(row.Groups["first"].Value);
            }
        }

        return rows;
    }

    /// <summary>The <c>--name</c> options of a command's help text.</summary>
    public static IReadOnlySet<string> OptionsIn(string help)
        => RowsOf(help, "Options:")
            .SelectMany(row => row.Split(", ", StringSplitOptions.TrimEntries))
            .Select(alias => alias.Split(' ')[0])
            .Where(alias => alias.StartsWith("--", StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);

    private static async Task<CliHelp> ReadAsync()
    {
        var options = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var command in RowsOf(await HelpAsync(), "Commands:").Select(row => row.Split(' ')[0]))
        {
            options[command] = OptionsIn(await HelpAsync(command));
        }

        return options.Count > 0 ? new CliHelp(options) : throw new InvalidOperationException("edgecache --help lists no commands");
    }

    private static async Task<string> HelpAsync(params string[] command)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await EdgeCacheCommand.RunAsync([.. command, "--help"], output, error);
        return exitCode == EdgeCacheCommand.Ok
            ? output.ToString()
            : throw new InvalidOperationException($"edgecache {string.Join(' ', command)} --help exited with {exitCode}: {error}");
    }

    /// <summary>A section row: two spaces, then its first column (up to two spaces or the end of the line).</summary>
    [GeneratedRegex(@"^  (?<first>[^ ]+(?: [^ ]+)*?)(?:  |$)")]
    private static partial Regex Row();
}
