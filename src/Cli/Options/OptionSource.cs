using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace EdgeCache.Cli.Options;

/// <summary>
/// Where an option's value comes from, first match wins: the command line, the environment
/// (<c>--edges-per-region</c> is <c>EDGECACHE_EDGES_PER_REGION</c>), then the JSON config file's
/// section (<c>{"Demo": {"EdgesPerRegion": 2}}</c>). Defaults are applied by the caller after all three,
/// so neither source is shadowed by a default.
/// </summary>
/// <remarks>
/// With a command scope, only the options several commands share (<c>--origin</c>, <c>--token</c>)
/// read <c>EDGECACHE_NAME</c> and the section's <c>Name</c>; the command's own options read
/// <c>EDGECACHE_COMMAND_NAME</c> and <c>Command:Name</c> (<c>EDGECACHE_PURGE_TAG</c>,
/// <c>{"Client": {"Purge": {"Tag": ["css"]}}}</c>), so a tag set for publishing never makes a bare
/// <c>edgecache purge</c> purge it.
/// </remarks>
internal sealed class OptionSource
{
    private const string EnvironmentPrefix = "EDGECACHE_";

    private readonly ParseResult _parse;
    private readonly IConfigurationSection? _file;
    private readonly string? _command;
    private readonly IReadOnlySet<Option> _shared;

    private OptionSource(ParseResult parse, IConfigurationSection? file, string? command, IReadOnlySet<Option> shared)
    {
        _parse = parse;
        _file = file;
        _command = command;
        _shared = shared;
    }

    /// <summary>Options from the command line and the environment only (the server commands read their config file themselves).</summary>
    public static OptionSource Of(ParseResult parse) => new(parse, null, null, new HashSet<Option>());

    /// <summary>
    /// Options from the command line, the environment and the <paramref name="section"/> of the config
    /// file that <paramref name="config"/> names, if any. With a <paramref name="command"/>, options not in
    /// <paramref name="shared"/> are scoped to it (see the remarks of <see cref="OptionSource"/>).
    /// </summary>
    /// <exception cref="UsageException">The config file is missing or not JSON.</exception>
    public static OptionSource Of(ParseResult parse, Option<FileInfo> config, string section, string? command = null, IReadOnlySet<Option>? shared = null)
    {
        shared ??= new HashSet<Option>();
        if (ConfigFile(parse, config) is not { } path)
        {
            return new(parse, null, command, shared);
        }

        try
        {
            return new(parse, new ConfigurationBuilder().AddJsonFile(path, optional: false).Build().GetSection(section), command, shared);
        }
        catch (Exception invalid) when (invalid is InvalidDataException or FormatException or JsonException)
        {
            throw new UsageException($"--config: '{path}' is not valid JSON: {(invalid.InnerException ?? invalid).Message}");
        }
    }

    /// <summary>The config file <c>--config</c> (or <c>EDGECACHE_CONFIG</c>) names, as a full path; null when none is named.</summary>
    /// <exception cref="UsageException">The file does not exist.</exception>
    public static string? ConfigFile(ParseResult parse, Option<FileInfo> config)
    {
        var path = parse.GetValue(config)?.FullName ?? Environment.GetEnvironmentVariable(EnvironmentName(config));
        if (path is not null && !File.Exists(path))
        {
            throw new UsageException($"--config: file '{path}' not found");
        }

        return path is null ? null : Path.GetFullPath(path);
    }

    /// <summary>The environment variable an unscoped option comes from: <c>--cache-size</c> is <c>EDGECACHE_CACHE_SIZE</c>.</summary>
    public static string EnvironmentName(Option option) => EnvironmentPrefix + Upper(option.Name);

    /// <summary>The environment variable this option comes from here: <c>EDGECACHE_ORIGIN</c>, or scoped <c>EDGECACHE_PURGE_TAG</c>.</summary>
    public string EnvironmentNameOf(Option option)
        => IsScoped(option) ? EnvironmentPrefix + Upper(_command!) + "_" + Upper(option.Name) : EnvironmentName(option);

    /// <summary>The config key this option comes from here, under the section: <c>Origin</c>, or scoped <c>Purge:Tag</c>.</summary>
    public string ConfigKeyOf(Option option)
        => IsScoped(option) ? Pascal(_command!) + ConfigurationPath.KeyDelimiter + Pascal(option.Name) : Pascal(option.Name);

    private bool IsScoped(Option option) => _command is not null && !_shared.Contains(option);

    private static string Upper(string name) => name.TrimStart('-').Replace('-', '_').ToUpperInvariant();

    private static string Pascal(string name)
        => string.Concat(name.TrimStart('-').Split('-').Select(word => char.ToUpperInvariant(word[0]) + word[1..]));

    /// <summary>The option's text, or null when no source gives it.</summary>
    public string? Get(Option<string> option)
        => _parse.GetResult(option) is not null ? _parse.GetValue(option) : FromEnvironment(option) ?? _file?[ConfigKeyOf(option)];

    /// <summary>A flag: given on the command line, or true/false (1/0, yes/no) in the environment or the config file.</summary>
    /// <exception cref="UsageException">The environment or the file gives something that is not a boolean.</exception>
    public bool Get(Option<bool> option)
    {
        if (_parse.GetResult(option) is not null)
        {
            return _parse.GetValue(option);
        }

        if (FromEnvironment(option) is { } text)
        {
            return ParseBoolean(text, EnvironmentNameOf(option));
        }

        return _file?[ConfigKeyOf(option)] is { } value && ParseBoolean(value, $"{_file.Path}:{ConfigKeyOf(option)} in the config file");
    }

    /// <summary>A repeatable option: every value given on the command line, else a comma-separated list from the environment, else a JSON array (or a comma-separated string) from the config file.</summary>
    public IReadOnlyList<string> Get(Option<string[]> option)
    {
        if (_parse.GetResult(option) is not null)
        {
            return _parse.GetValue(option) ?? [];
        }

        if (FromEnvironment(option) is { } text)
        {
            return SplitList(text);
        }

        if (_file?.GetSection(ConfigKeyOf(option)) is not { } section)
        {
            return [];
        }

        return section.Value is { } single
            ? SplitList(single)
            : [.. section.GetChildren().Select(child => child.Value).OfType<string>()];
    }

    /// <summary>A whole number from any source, or null when none gives it.</summary>
    /// <exception cref="UsageException">The text is not a whole number in [<paramref name="min"/>, <paramref name="max"/>].</exception>
    public int? GetInt32(Option<string> option, int min, int max)
    {
        if (Get(option) is not { } text)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"{option.Name}: '{text}' is not a whole number from {min} to {max}");
        }

        return value;
    }

    private string? FromEnvironment(Option option)
        => Environment.GetEnvironmentVariable(EnvironmentNameOf(option)) is { Length: > 0 } value ? value : null;

    private static string[] SplitList(string text)
        => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool ParseBoolean(string text, string source) => text.Trim().ToLowerInvariant() switch
    {
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" or "" => false,
        _ => throw new UsageException($"{source}: '{text}' is not true or false"),
    };
}
