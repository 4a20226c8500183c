namespace EdgeCache.Edge.Tls;

/// <summary>A certificate served by SNI (<c>Edge:Tls:Certificates</c>).</summary>
public sealed class SniCertificate
{
    /// <summary>
    /// Names (<c>www.example.com</c>, <c>*.example.com</c>) this certificate is chosen for; when
    /// empty, the DNS names in the certificate's subject alternative names.
    /// </summary>
    public string[] HostNames { get; set; } = [];

    /// <summary>PEM file of the certificate, optionally followed by its intermediates.</summary>
    public string Certificate { get; set; } = string.Empty;

    /// <summary>PEM file of its private key, unencrypted.</summary>
    public string Key { get; set; } = string.Empty;
}
