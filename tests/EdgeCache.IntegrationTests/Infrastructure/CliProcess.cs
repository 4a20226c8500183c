using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace EdgeCache.IntegrationTests.Infrastructure;

/// <summary>
/// The real built <c>edgecache</c> executable run as a child process: its standard output read
/// line by line as it comes, standard error kept whole, signals sent as an operator's shell would.
/// </summary>
public sealed partial class CliProcess : IAsyncDisposable
{
    private const int SigInt = 2;

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _output = [];
    private readonly System.Text.StringBuilder _error = new();
    private readonly Task _reading;

    private CliProcess(Process process)
    {
        _process = process;
        _reading = Task.WhenAll(ReadOutputAsync(), ReadErrorAsync());
    }

    /// <summary>Every line written to standard output so far.</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    /// <summary>Standard error so far.</summary>
    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>edgecache ARGS</c> (the build next to the tests) with <paramref name="environment"/> added to (or, with a null value, removed from) the inherited one.</summary>
    public static CliProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
        => StartProgram("dotnet", [Path.Combine(AppContext.BaseDirectory, "edgecache.dll"), .. args], environment);

    /// <summary>Starts any program the same way (an installed <c>edgecache</c>, a packaging script).</summary>
    public static CliProcess StartProgram(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        // A test run started in the background of a non-interactive shell inherits SIGINT ignored, and
        // .NET keeps a signal ignored at start ignored; env(1) gives the child the default, as a terminal would.
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
            ArgumentList = { "--default-signal=INT", file },
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // A developer's own settings must not leak into a test.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("EDGECACHE_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        return new CliProcess(Process.Start(start)!);
    }

    /// <summary>Runs <c>edgecache ARGS</c> to its end (at most <paramref name="within"/>, default 60 s): exit code, standard output, standard error.</summary>
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? within = null)
        => RunProgramAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "edgecache.dll"), .. args], environment, within);

    /// <summary>Runs any program to its end (at most <paramref name="within"/>, default 60 s): exit code, standard output, standard error.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunProgramAsync(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? within = null)
    {
        await using var process = StartProgram(file, args, environment);
        var exitCode = await process.WaitForExitAsync(within ?? TimeSpan.FromSeconds(60));
        return (exitCode, string.Join('\n', process.Output), process.Error);
    }

    /// <summary>The next standard-output line that satisfies <paramref name="match"/>, reading until then; fails after <paramref name="within"/> or at the end of output.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(timeout.Token))
            {
                while (_lines.Reader.TryRead(out var line))
                {
                    if (match(line))
                    {
                        return line;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no matching line within {within}; output so far:\n{string.Join('\n', Output)}\nerror:\n{Error}");
        }

        throw new InvalidOperationException($"the process ended without a matching line; output:\n{string.Join('\n', Output)}\nerror:\n{Error}");
    }

    /// <summary>Sends SIGINT, as Ctrl-C in a terminal does.</summary>
    public void Interrupt()
    {
        if (Kill(_process.Id, SigInt) != 0)
        {
            throw new InvalidOperationException($"kill(SIGINT) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits for the exit and answers its code; fails (and kills the process) after <paramref name="within"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"edgecache did not exit within {within}; output:\n{string.Join('\n', Output)}\nerror:\n{Error}");
        }

        await _reading;
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        await _reading;
        _process.Dispose();
    }

    private async Task ReadOutputAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            lock (_output)
            {
                _output.Add(line);
            }

            _lines.Writer.TryWrite(line);
        }

        _lines.Writer.TryComplete();
    }

    private async Task ReadErrorAsync()
    {
        var buffer = new char[4096];
        int read;
        while ((read = await _process.StandardError.ReadAsync(buffer)) > 0)
        {
            lock (_error)
            {
                _error.Append(buffer, 0, read);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
