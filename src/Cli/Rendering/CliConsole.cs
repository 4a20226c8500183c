using Spectre.Console;

namespace EdgeCache.Cli.Rendering;

/// <summary>
/// Where a command writes: plain text and tables to <see cref="Out"/>, one-line errors to
/// <see cref="Error"/>. Progress bars and live tables need an interactive terminal; redirected
/// output gets plain lines and wide tables that do not wrap.
/// </summary>
internal sealed class CliConsole
{
    private const int RedirectedWidth = 200;

    public CliConsole(TextWriter output, TextWriter error, bool interactive)
    {
        Out = output;
        Error = error;
        Interactive = interactive;
        Ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!interactive)
        {
            Ansi.Profile.Width = RedirectedWidth;
        }
    }

    /// <summary>The process's own console; interactive when standard output is a terminal.</summary>
    public static CliConsole System() => new(Console.Out, Console.Error, !Console.IsOutputRedirected);

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public bool Interactive { get; }

    /// <summary>Spectre's console over <see cref="Out"/>, for tables, progress and live displays.</summary>
    public IAnsiConsole Ansi { get; }

    /// <summary>A warning a person should see but that does not fail the command.</summary>
    public Task WarnAsync(string message) => Error.WriteLineAsync("edgecache: warning: " + message);
}
