using System.Security.Cryptography;
using System.Text;

namespace EdgeCache.Replication.Security;

/// <summary>
/// The shared secret that guards admin, feed and ack endpoints. An unset token means the
/// guarded endpoints are off: <see cref="IsAuthorized"/> then refuses every request.
/// </summary>
public sealed class BearerToken
{
    private const string Scheme = "Bearer ";
    private readonly byte[]? _expected;

    /// <summary>Creates a token check; null or empty <paramref name="token"/> disables the guarded endpoints.</summary>
    public BearerToken(string? token)
    {
        _expected = string.IsNullOrEmpty(token) ? null : Encoding.UTF8.GetBytes(token);
    }

    /// <summary>True when a token is configured.</summary>
    public bool IsConfigured => _expected is not null;

    /// <summary>
    /// Checks an <c>Authorization</c> header value in constant time with respect to the
    /// token's content, so response timing does not reveal how much of a guess was right.
    /// </summary>
    public bool IsAuthorized(ReadOnlySpan<char> authorizationHeader)
    {
        if (_expected is null || !authorizationHeader.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = authorizationHeader[Scheme.Length..].Trim();
        var maxBytes = Encoding.UTF8.GetMaxByteCount(presented.Length);
        if (maxBytes > 4096)
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[maxBytes];
        var written = Encoding.UTF8.GetBytes(presented, buffer);
        return CryptographicOperations.FixedTimeEquals(buffer[..written], _expected);
    }
}
