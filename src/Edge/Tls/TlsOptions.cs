namespace EdgeCache.Edge.Tls;

/// <summary>
/// TLS termination (<c>Edge:Tls</c>) for the <c>https://</c> addresses the edge listens on: PEM
/// certificates chosen by SNI, TLS 1.2 and 1.3 only, HTTP/2 by ALPN; optionally plain HTTP
/// redirected to HTTPS and HSTS. Certificate files are read again when they change.
/// </summary>
public sealed class TlsOptions
{
    /// <summary>PEM file of the default certificate, optionally followed by its intermediates (<c>--cert</c>).</summary>
    public string? Certificate { get; set; }

    /// <summary>PEM file of the default certificate's private key, unencrypted (<c>--key</c>).</summary>
    public string? Key { get; set; }

    /// <summary>More certificates, each served to clients asking (SNI) for one of its host names.</summary>
    public SniCertificate[] Certificates { get; set; } = [];

    /// <summary>Answer requests on the plain HTTP addresses with a redirect to the HTTPS one (<c>/_edge/health</c> excepted).</summary>
    public bool RedirectHttp { get; set; }

    /// <summary><c>max-age</c> of the <c>Strict-Transport-Security</c> header sent over HTTPS; zero (the default) sends none.</summary>
    public TimeSpan HstsMaxAge { get; set; }

    /// <summary>Adds <c>includeSubDomains</c> to the HSTS header.</summary>
    public bool HstsIncludeSubDomains { get; set; }

    /// <summary>Adds <c>preload</c> to the HSTS header.</summary>
    public bool HstsPreload { get; set; }

    /// <summary>Longest a client may take to complete its TLS handshake.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>True when any certificate is configured.</summary>
    public bool HasCertificates => Certificate is not null || Key is not null || Certificates.Length > 0;

    /// <summary>The <c>Strict-Transport-Security</c> value, or null when HSTS is off.</summary>
    public string? HstsHeader()
    {
        if (HstsMaxAge <= TimeSpan.Zero)
        {
            return null;
        }

        var value = "max-age=" + ((long)HstsMaxAge.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (HstsIncludeSubDomains)
        {
            value += "; includeSubDomains";
        }

        return HstsPreload ? value + "; preload" : value;
    }

    /// <summary>What is wrong with these options; empty when nothing is.</summary>
    public IEnumerable<string> Problems()
    {
        if ((Certificate is null) != (Key is null))
        {
            yield return "Tls: give both the certificate (--cert) and its key (--key)";
        }

        for (var i = 0; i < Certificates.Length; i++)
        {
            var sni = Certificates[i];
            if (string.IsNullOrWhiteSpace(sni.Certificate) || string.IsNullOrWhiteSpace(sni.Key))
            {
                yield return $"Tls:Certificates:{i}: give both Certificate and Key";
            }

            foreach (var name in sni.HostNames.Where(name => !HostNamePattern.IsValid(name)))
            {
                yield return $"Tls:Certificates:{i}: host name '{name}' is not a DNS name or *.name";
            }
        }

        if (HstsMaxAge < TimeSpan.Zero)
        {
            yield return "Tls:HstsMaxAge must be zero (off) or above";
        }

        if (HandshakeTimeout <= TimeSpan.Zero)
        {
            yield return "Tls:HandshakeTimeout must be above zero";
        }
    }
}
