using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeCache.IntegrationTests.Infrastructure;

/// <summary>
/// A root and an intermediate CA made for one test, issuing server certificates as PEM files the
/// way a real CA delivers them (leaf, then intermediate). Clients trust only the root, so a
/// handshake succeeds only when the server sends its chain and the name matches.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private readonly X509Certificate2 _intermediate;
    private readonly ECDsa _intermediateKey;

    private TestCertificateAuthority(X509Certificate2 root, X509Certificate2 intermediate, ECDsa intermediateKey)
    {
        Root = root;
        _intermediate = intermediate;
        _intermediateKey = intermediateKey;
    }

    public X509Certificate2 Root { get; }

    public static TestCertificateAuthority Create()
    {
        var now = DateTimeOffset.UtcNow;
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=EdgeCache Test Root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        var root = rootRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intermediateRequest = new CertificateRequest("CN=EdgeCache Test Intermediate", intermediateKey, HashAlgorithmName.SHA256);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        intermediateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        intermediateRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(intermediateRequest.PublicKey, false));
        intermediateRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        using var issued = intermediateRequest.Create(root, now.AddDays(-1), now.AddMonths(6), RandomNumberGenerator.GetBytes(8));
        var intermediate = issued.CopyWithPrivateKey(intermediateKey);
        return new TestCertificateAuthority(root, intermediate, intermediateKey);
    }

    /// <summary>Writes a server certificate for <paramref name="dnsNames"/> (the first is its common name) as <c>NAME.crt</c> and <c>NAME.key</c>.</summary>
    public (string Certificate, string Key, X509Certificate2 Leaf) WritePem(string folder, string name, params string[] dnsNames)
    {
        var now = DateTimeOffset.UtcNow;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsNames[0]}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_intermediate, true, false));
        var names = new SubjectAlternativeNameBuilder();
        foreach (var dnsName in dnsNames)
        {
            names.AddDnsName(dnsName);
        }

        request.CertificateExtensions.Add(names.Build());
        var leaf = request.Create(_intermediate, now.AddDays(-1), now.AddDays(90), RandomNumberGenerator.GetBytes(8));
        var certificatePath = Path.Combine(folder, name + ".crt");
        var keyPath = Path.Combine(folder, name + ".key");
        // Written to temporary names and moved in, as a renewal tool would: a reader never sees half a file.
        File.WriteAllText(certificatePath + ".tmp", leaf.ExportCertificatePem() + "\n" + _intermediate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPath + ".tmp", key.ExportPkcs8PrivateKeyPem() + "\n");
        File.Move(keyPath + ".tmp", keyPath, overwrite: true);
        File.Move(certificatePath + ".tmp", certificatePath, overwrite: true);
        return (certificatePath, keyPath, leaf);
    }

    /// <summary>A client that trusts only this CA's root and reaches every host name at <paramref name="edge"/>.</summary>
    public HttpClient Client(Uri edge, Version version)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = { CertificateChainPolicy = TrustPolicy() },
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(edge.Host), edge.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        return new HttpClient(handler)
        {
            DefaultRequestVersion = version,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    /// <summary>
    /// Completes a TLS handshake with <paramref name="edge"/> asking for <paramref name="serverName"/>
    /// (null: no SNI) and returns what the server presented and negotiated; the chain is validated against the root.
    /// </summary>
    public async Task<(X509Certificate2 Certificate, SslProtocols Protocol, SslApplicationProtocol Alpn, bool Valid)> HandshakeAsync(
        Uri edge, string? serverName, params SslApplicationProtocol[] alpn)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Parse(edge.Host), edge.Port);
        await using var ssl = new SslStream(tcp.GetStream());
        var valid = false;
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName ?? string.Empty,
            ApplicationProtocols = alpn.Length > 0 ? [.. alpn] : null,
            CertificateChainPolicy = TrustPolicy(),
            RemoteCertificateValidationCallback = (_, _, _, errors) =>
            {
                // Chain against the test root (with what the server sent) and, given a name, the name.
                valid = errors == SslPolicyErrors.None;
                return true;
            },
        });
        return (new X509Certificate2(ssl.RemoteCertificate!), ssl.SslProtocol, ssl.NegotiatedApplicationProtocol, valid);
    }

    public void Dispose()
    {
        Root.Dispose();
        _intermediate.Dispose();
        _intermediateKey.Dispose();
    }

    private X509ChainPolicy TrustPolicy()
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            // Only what the server sends may complete the chain: the test's intermediate is nowhere else.
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.Add(Root);
        return policy;
    }
}
