namespace EdgeCache.Edge.Tls;

/// <summary>A configured certificate or key file could not be read or does not fit.</summary>
internal sealed class CertificateLoadException : Exception
{
    public CertificateLoadException(string message)
        : base(message)
    {
    }

    public CertificateLoadException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
