using System.CommandLine;
using EdgeCache.Cli.Client;
using EdgeCache.Origin.Admin;

namespace EdgeCache.Cli.Options;

/// <summary>
/// The options every operator command (<c>publish</c>, <c>purge</c>, <c>status</c>) shares: which
/// origin, its token, time limits, the config file (section <c>Client</c>) and JSON output.
/// </summary>
internal sealed class ClientOptions
{
    /// <summary>Section of the config file the operator commands read.</summary>
    public const string ConfigSection = "Client";

    private static readonly TimeSpan DefaultCallTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DefaultWaitTimeout = TimeSpan.FromSeconds(30);

    public Option<string> Origin { get; } = new("--origin") { Description = "The origin's URL, e.g. http://127.0.0.1:7000. Env: EDGECACHE_ORIGIN." };

    public Option<string> Token { get; } = new("--token") { Description = "The origin's admin token. Env: EDGECACHE_TOKEN." };

    public Option<bool> Wait { get; } = new("--wait") { Description = "Wait until every connected edge confirmed the change; exit 1 if one did not within --timeout. Env: EDGECACHE_WAIT." };

    public Option<string> Timeout { get; } = new("--timeout") { Description = "With --wait: how long to wait for every edge to confirm, e.g. 10s or 2m (default 30s, at most 5m). Env: EDGECACHE_TIMEOUT." };

    public Option<FileInfo> Config { get; } = new("--config") { Description = "JSON config file; its Client section may hold any option by name, e.g. {\"Client\":{\"Origin\":\"…\",\"Token\":\"…\"}}. Env: EDGECACHE_CONFIG." };

    public Option<bool> Json { get; } = new("--json") { Description = "Print the answer as JSON instead of text. Env: EDGECACHE_JSON." };

    /// <summary>Adds the shared options to <paramref name="command"/>; <paramref name="waits"/> says whether it takes <c>--wait</c> and <c>--timeout</c>.</summary>
    public void AddTo(Command command, bool waits)
    {
        command.Options.Add(Origin);
        command.Options.Add(Token);
        if (waits)
        {
            command.Options.Add(Wait);
            command.Options.Add(Timeout);
        }

        command.Options.Add(Config);
        command.Options.Add(Json);
    }

    /// <summary>The sources of <paramref name="command"/>'s options: command line, environment, config file; its own options scoped to it.</summary>
    public OptionSource SourceOf(ParseResult parse, string command)
        => OptionSource.Of(parse, Config, ConfigSection, command, new HashSet<Option> { Origin, Token, Wait, Timeout, Config, Json });

    /// <summary>How long to wait for the edges' confirmation: null without <c>--wait</c>.</summary>
    /// <exception cref="UsageException">The duration is malformed or outside what the origin accepts.</exception>
    public TimeSpan? WaitFor(OptionSource source) => source.Get(Wait) ? WaitTimeout(source) : null;

    /// <summary>A client for the origin the options name.</summary>
    /// <exception cref="UsageException">No origin or token is given, or the URL is not http(s).</exception>
    public OriginClient ConnectTo(OptionSource source)
    {
        var origin = source.Get(Origin)
            ?? throw new UsageException("no origin: give --origin URL, set EDGECACHE_ORIGIN, or put Origin in the config file's Client section");
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps) || !string.IsNullOrEmpty(url.Query))
        {
            throw new UsageException($"--origin: '{origin}' is not an http:// or https:// URL");
        }

        var token = source.Get(Token)
            ?? throw new UsageException("no token: give --token T, set EDGECACHE_TOKEN, or put Token in the config file's Client section");
        // A base address without a trailing slash would drop its last segment from every call.
        var baseAddress = url.AbsolutePath.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
        return new OriginClient(baseAddress, token, DefaultCallTimeout);
    }

    private TimeSpan WaitTimeout(OptionSource source)
    {
        if (source.Get(Timeout) is not { } text)
        {
            return DefaultWaitTimeout;
        }

        if (!WaitRequest.TryParseDuration(text, out var timeout) || timeout <= TimeSpan.Zero || timeout > WaitRequest.MaxTimeout)
        {
            throw new UsageException($"--timeout: '{text}' is not a duration from 1ms to 5m such as 500ms, 10s or 2m");
        }

        return timeout;
    }
}
