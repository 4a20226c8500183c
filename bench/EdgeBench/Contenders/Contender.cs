using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EdgeCache.Bench.Tls;

namespace EdgeCache.Bench.Contenders;

/// <summary>
/// A caching proxy under test, run as its own process in front of the upstream, pinned to one
/// CPU when asked, over plain HTTP or, given a certificate, HTTPS. Subclasses say how to
/// configure and start it.
/// </summary>
internal abstract class Contender : IAsyncDisposable
{
    private Process? _process;

    protected Contender(string name, string workDirectory, BenchCertificate? certificate)
    {
        Name = name;
        WorkDirectory = Directory.CreateDirectory(Path.Combine(workDirectory, name)).FullName;
        Port = FreePort();
        Certificate = certificate;
        Url = $"{(certificate is null ? "http" : "https")}://127.0.0.1:{Port}";
    }

    public string Name { get; }

    public string Url { get; }

    public int Port { get; }

    protected string WorkDirectory { get; }

    /// <summary>The certificate it serves HTTPS with, or null for plain HTTP.</summary>
    public BenchCertificate? Certificate { get; }

    /// <summary>The process serving requests, whose memory the memory benchmark reads.</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException($"{Name} is not running");

    /// <summary>Where the contender's own output goes, named in errors.</summary>
    public string LogPath => Path.Combine(WorkDirectory, "output.log");

    /// <summary>The program and its arguments.</summary>
    protected abstract (string Program, IReadOnlyList<string> Arguments) Command(string upstreamUrl);

    /// <summary>A response header value that shows a response was served from the contender's cache.</summary>
    public abstract bool IsHit(HttpResponseMessage response);

    public async Task StartAsync(string upstreamUrl, bool pin)
    {
        var (program, arguments) = Command(upstreamUrl);
        var start = new ProcessStartInfo(pin ? "taskset" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = WorkDirectory,
        };
        if (pin)
        {
            // taskset execs the program, so the process id is the server's own.
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("0");
            start.ArgumentList.Add(program);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var log = new StreamWriter(LogPath) { AutoFlush = true };
        _process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        _process.OutputDataReceived += (_, e) => Write(log, e.Data);
        _process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var probe = new HttpClient(Certificate?.Trust(new SocketsHttpHandler()) ?? new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} at start; see {LogPath}");
            }

            try
            {
                using var response = await probe.GetAsync($"{Url}/obj/16/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} did not answer within 60 s; see {LogPath}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Resident memory of the serving process (VmRSS), in bytes.</summary>
    public long ResidentBytes() => StatusBytes("VmRSS:");

    /// <summary>The resident set split: anonymous memory (heaps), and shared memory (memfd, such as the edge's body arena).</summary>
    public (long Anonymous, long Shared) ResidentParts() => (StatusBytes("RssAnon:"), StatusBytes("RssShmem:"));

    private long StatusBytes(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{ProcessId}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"no {field} in /proc status");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }

        // SIGTERM lets nginx's master stop its worker; a kill would leave the worker behind.
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        _process = null;
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.WriteLine(line);
            }
        }
    }

    private static int FreePort()
    {
        // The servers under test take a port number, not a socket: ask the kernel for a free one.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
