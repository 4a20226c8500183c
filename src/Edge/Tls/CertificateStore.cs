using System.Net.Security;
using System.Security.Authentication;
using EdgeCache.Edge.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.Edge.Tls;

/// <summary>
/// Hands each TLS handshake the certificate its SNI name asks for, from the files
/// <see cref="TlsOptions"/> names. Watches those files' folders and loads them again after they
/// change (a renewal, a Kubernetes secret update): new handshakes get the new certificate,
/// open connections keep theirs, and files that do not load leave the previous set in place.
/// </summary>
internal sealed partial class CertificateStore : IDisposable
{
    /// <summary>How long after the last file event the files are read: a renewal writes the certificate and the key one after the other.</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromMilliseconds(200);

    private static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(14);

    private readonly TlsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<CertificateStore> _logger;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly ITimer _reload;
    private readonly Lock _reloading = new();
    private CertificateSet _current;
    private int _reloads;
    private bool _disposed;

    public CertificateStore(CertificateSet initial, IOptions<EdgeOptions> options, TimeProvider time, ILogger<CertificateStore> logger)
    {
        _current = initial;
        _options = options.Value.Tls;
        _time = time;
        _logger = logger;
        _reload = time.CreateTimer(static state => ((CertificateStore)state!).ReloadAfterChange(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        WarnOfExpiry(initial);
        Watch();
    }

    /// <summary>The certificates handshakes get now.</summary>
    public CertificateSet Current => Volatile.Read(ref _current);

    /// <summary>Times the files were loaded again successfully.</summary>
    public int Reloads => Volatile.Read(ref _reloads);

    /// <summary>Kestrel's per-connection callback: TLS 1.2 or 1.3 with the certificate for the client's SNI name.</summary>
    public ValueTask<SslServerAuthenticationOptions> OnConnection(TlsHandshakeCallbackContext context)
        => ValueTask.FromResult(new SslServerAuthenticationOptions
        {
            ServerCertificateContext = Current.Select(context.ClientHelloInfo.ServerName),
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
        });

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _reload.Dispose();
    }

    private void Watch()
    {
        var files = new List<string?> { _options.Certificate, _options.Key };
        files.AddRange(_options.Certificates.SelectMany(sni => new[] { sni.Certificate, sni.Key }));
        // Folders, not files: renewals replace files (certbot's symlinks, Kubernetes' ..data swap),
        // and a watch on a replaced file sees nothing of its successor.
        foreach (var folder in files.OfType<string>().Select(file => Path.GetDirectoryName(Path.GetFullPath(file))!).Distinct(StringComparer.Ordinal))
        {
            var watcher = new FileSystemWatcher(folder)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                IncludeSubdirectories = false,
            };
            watcher.Changed += OnFileEvent;
            watcher.Created += OnFileEvent;
            watcher.Renamed += OnFileEvent;
            watcher.Deleted += OnFileEvent;
            watcher.Error += (_, e) => LogWatchFailed(_logger, folder, e.GetException().Message);
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

    // Every event restarts the wait, so the files are read once, after the last write of a burst.
    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        if (Volatile.Read(ref _disposed))
        {
            return;
        }

        // After Dispose the timer ignores this (Change returns false), so a late event is harmless.
        _reload.Change(SettleTime, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Reads the files again; keeps the current set when they do not load.</summary>
    private void ReloadAfterChange()
    {
        if (Volatile.Read(ref _disposed))
        {
            return;
        }

        CertificateSet loaded;
        lock (_reloading)
        {
            try
            {
                loaded = CertificateSet.Load(_options);
            }
#pragma warning disable CA1031 // A timer thread has no caller: whatever fails is logged, and the previous certificates stay.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogReloadFailed(_logger, e.Message);
                return;
            }

            Volatile.Write(ref _current, loaded);
            Interlocked.Increment(ref _reloads);
        }

        LogReloaded(_logger, string.Join(", ", loaded.Leaves.Select(leaf => $"{leaf.Subject} (until {leaf.NotAfter:u})")));
        WarnOfExpiry(loaded);
    }

    private void WarnOfExpiry(CertificateSet set)
    {
        var now = _time.GetUtcNow();
        foreach (var leaf in set.Leaves.Where(leaf => leaf.NotAfter.ToUniversalTime() - now.UtcDateTime < ExpiryWarning))
        {
            LogExpiring(_logger, leaf.Subject, leaf.NotAfter.ToUniversalTime());
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "TLS certificates loaded again: {Certificates}")]
    private static partial void LogReloaded(ILogger logger, string certificates);

    [LoggerMessage(Level = LogLevel.Error, Message = "TLS certificates changed on disk but could not be loaded, the previous ones stay in use: {Reason}")]
    private static partial void LogReloadFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS certificate {Subject} expires {NotAfter:u}")]
    private static partial void LogExpiring(ILogger logger, string subject, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watching {Folder} for certificate changes failed: {Reason}")]
    private static partial void LogWatchFailed(ILogger logger, string folder, string reason);
}
