using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeCache.Bench.Tls;

/// <summary>
/// A throwaway self-signed certificate for 127.0.0.1, made for one run of <c>--tls</c> and written
/// as PEM files the contenders load. The bench's own clients trust it, and no other certificate.
/// </summary>
internal sealed class BenchCertificate
{
    private readonly byte[] _raw;

    private BenchCertificate(string certificatePath, string keyPath, byte[] raw)
    {
        CertificatePath = certificatePath;
        KeyPath = keyPath;
        _raw = raw;
    }

    /// <summary>The certificate, PEM.</summary>
    public string CertificatePath { get; }

    /// <summary>Its private key, PKCS#8 PEM.</summary>
    public string KeyPath { get; }

    /// <summary>What the certificate is, for the report.</summary>
    public const string Description = "self-signed ECDSA P-256 certificate for 127.0.0.1";

    /// <summary>Makes the certificate and writes <c>bench.pem</c> and <c>bench.key</c> into <paramref name="directory"/>.</summary>
    public static BenchCertificate Create(string directory)
    {
        // P-256 is what a site would get from a CA today, and the cheapest common handshake; with
        // keep-alive connections the handshake is amortised anyway, and the records' cipher is the same.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));

        var certificatePath = Path.Combine(directory, "bench.pem");
        var keyPath = Path.Combine(directory, "bench.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return new BenchCertificate(certificatePath, keyPath, certificate.RawData);
    }

    /// <summary>Makes <paramref name="handler"/> accept this certificate, which no store trusts; any other still fails.</summary>
    public SocketsHttpHandler Trust(SocketsHttpHandler handler)
    {
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => IsThis(certificate);
        return handler;
    }

    /// <summary>
    /// One handshake with the server on <paramref name="port"/>, offering HTTP/1.1 as wrk does:
    /// the protocol and cipher suite it chose, for the report.
    /// </summary>
    public async Task<string> NegotiateAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            RemoteCertificateValidationCallback = (_, certificate, _, _) => IsThis(certificate),
        });
        return $"{tls.SslProtocol} {tls.NegotiatedCipherSuite}";
    }

    private bool IsThis(X509Certificate? certificate)
        => certificate is not null && certificate.GetRawCertData().AsSpan().SequenceEqual(_raw);
}
