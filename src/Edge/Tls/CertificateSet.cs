using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeCache.Edge.Tls;

/// <summary>
/// The certificates loaded from <see cref="TlsOptions"/> at one moment, indexed by the host names
/// they are chosen for. Immutable: a reload builds a new set and swaps it in whole.
/// </summary>
internal sealed class CertificateSet
{
    private readonly Dictionary<string, SslStreamCertificateContext> _byName;

    private CertificateSet(SslStreamCertificateContext? fallback, Dictionary<string, SslStreamCertificateContext> byName, IReadOnlyList<X509Certificate2> leaves)
    {
        Fallback = fallback;
        _byName = byName;
        Leaves = leaves;
    }

    /// <summary>Served when the client names no host (no SNI) or one no certificate covers.</summary>
    public SslStreamCertificateContext? Fallback { get; }

    /// <summary>Every certificate of the set, leaves only (for logs and expiry warnings).</summary>
    public IReadOnlyList<X509Certificate2> Leaves { get; }

    /// <summary>
    /// The certificate for <paramref name="serverName"/>: an exact name first, then a wildcard,
    /// then the default certificate (or, without one, the first configured).
    /// </summary>
    public SslStreamCertificateContext Select(string? serverName)
    {
        if (!string.IsNullOrEmpty(serverName))
        {
            // A fully qualified name (trailing dot) is the same host.
            serverName = serverName.EndsWith('.') ? serverName.TrimEnd('.') : serverName;
            if (_byName.TryGetValue(serverName, out var exact))
            {
                return exact;
            }

            if (HostNamePattern.WildcardOf(serverName) is { } wildcard && _byName.TryGetValue(wildcard, out var covered))
            {
                return covered;
            }
        }

        return Fallback!;
    }

    /// <summary>Reads every configured PEM pair; throws <see cref="CertificateLoadException"/> naming the file at fault.</summary>
    public static CertificateSet Load(TlsOptions options)
    {
        var byName = new Dictionary<string, SslStreamCertificateContext>(StringComparer.OrdinalIgnoreCase);
        var leaves = new List<X509Certificate2>();
        SslStreamCertificateContext? fallback = null;
        if (options.Certificate is not null && options.Key is not null)
        {
            var (context, _) = LoadPair(options.Certificate, options.Key);
            fallback = context;
            leaves.Add(context.TargetCertificate);
        }

        foreach (var sni in options.Certificates)
        {
            var (context, dnsNames) = LoadPair(sni.Certificate, sni.Key);
            leaves.Add(context.TargetCertificate);
            fallback ??= context;
            // The first certificate listed for a name wins, as the operator would read the file.
            foreach (var name in sni.HostNames.Length > 0 ? sni.HostNames : dnsNames)
            {
                byName.TryAdd(name, context);
            }
        }

        if (fallback is null)
        {
            throw new CertificateLoadException("no certificate configured: give --cert and --key, or Edge:Tls:Certificates");
        }

        return new CertificateSet(fallback, byName, leaves);
    }

    private static (SslStreamCertificateContext Context, IReadOnlyList<string> DnsNames) LoadPair(string certificatePath, string keyPath)
    {
        X509Certificate2 leaf;
        X509Certificate2Collection chain;
        try
        {
            leaf = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            chain = [];
            chain.ImportFromPemFile(certificatePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new CertificateLoadException($"certificate '{certificatePath}' with key '{keyPath}' could not be loaded: {e.Message}", e);
        }

        if (!leaf.HasPrivateKey)
        {
            throw new CertificateLoadException($"certificate '{certificatePath}': the key '{keyPath}' is not its private key");
        }

        // The file's first certificate is the leaf; the ones after it are sent along as its chain.
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < chain.Count; i++)
        {
            intermediates.Add(chain[i]);
        }

        var names = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(san => san.EnumerateDnsNames()).ToList();
        return (SslStreamCertificateContext.Create(leaf, intermediates, offline: true), names);
    }
}
