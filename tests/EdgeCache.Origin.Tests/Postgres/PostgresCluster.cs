using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace EdgeCache.Origin.Tests.Postgres;

/// <summary>
/// A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, started on a free
/// loopback port, stopped and deleted at the end. PostgreSQL refuses to run as root, so as root
/// it runs as the postgres user. Debian's server binaries are found under /usr/lib/postgresql.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "edgecache-pg-" + Guid.NewGuid().ToString("N"));
    private string _bin = string.Empty;
    private int _schemas;

    public int Port { get; private set; }

    /// <summary>The cluster's superuser connection string, without a search path.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=true;Timeout=15";

    private string Data => Path.Combine(_root, "data");

    public async Task InitializeAsync()
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var version) ? version : 0).FirstOrDefault() ?? string.Empty
            : string.Empty;
        if (_bin.Length == 0)
        {
            throw new InvalidOperationException("PostgreSQL's server is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql");
        }

        Directory.CreateDirectory(_root);
        if (Environment.UserName == "root")
        {
            await RunAsync("chown", ["postgres:postgres", _root], asPostgres: false);
        }

        await RunAsync(Path.Combine(_bin, "initdb"), ["-D", Data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]);
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            try
            {
                await StartAsync();
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // The port was taken between finding it free and the server binding it.
            }
        }
    }

    /// <summary>A new, empty schema and a connection string whose search path is it: a separate store for one test.</summary>
    public async Task<string> NewSchemaAsync(string hint)
    {
        var schema = $"t{Interlocked.Increment(ref _schemas)}_{new string(hint.Where(char.IsAsciiLetterOrDigit).Take(20).ToArray()).ToLowerInvariant()}";
        // Not pooled: a pooled connection would not survive a test's restart of the server.
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString + $";Search Path={schema}";
    }

    /// <summary>Stops the server (fast: open transactions are rolled back) and starts it again on the same port.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    /// <summary>Stops the server; connections fail until <see cref="StartAsync"/>.</summary>
    public Task StopAsync() => RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Data, "-m", "fast", "-w", "-t", "60", "stop"]);

    public Task StartAsync() => RunAsync(
        Path.Combine(_bin, "pg_ctl"),
        ["-D", Data, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60",
         "-o", $"-p {Port} -c listen_addresses=127.0.0.1 -k {_root} -c max_connections=200", "start"]);

    public async Task DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (InvalidOperationException)
        {
            // Already stopped, or never started.
        }

        NpgsqlConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static async Task RunAsync(string program, string[] arguments, bool asPostgres = true)
    {
        var runAs = asPostgres && Environment.UserName == "root";
        var start = new ProcessStartInfo(runAs ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (runAs)
        {
            foreach (var argument in (string[])["-u", "postgres", "--", program])
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(Patience);
        await process.WaitForExitAsync(deadline.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}{await output}");
        }
    }
}

/// <summary>The test classes that share one <see cref="PostgresCluster"/>; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "postgres";
}
