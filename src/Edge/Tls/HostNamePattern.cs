namespace EdgeCache.Edge.Tls;

/// <summary>
/// Host names a certificate is chosen for: exact names and one-label wildcards (<c>*.example.com</c>
/// matches <c>www.example.com</c>, not <c>example.com</c> nor <c>a.b.example.com</c>, as RFC 6125 section 6.4.3 has it).
/// </summary>
internal static class HostNamePattern
{
    /// <summary>True for a DNS name or <c>*.</c> followed by one, each label 1 to 63 of letters, digits and hyphens.</summary>
    public static bool IsValid(string? pattern)
    {
        if (string.IsNullOrEmpty(pattern) || pattern.Length > 253)
        {
            return false;
        }

        var name = pattern.StartsWith("*.", StringComparison.Ordinal) ? pattern.AsSpan(2) : pattern.AsSpan();
        if (name.IsEmpty)
        {
            return false;
        }

        foreach (var label in name.Split('.'))
        {
            var text = name[label];
            if (text.IsEmpty || text.Length > 63 || text[0] == '-' || text[^1] == '-')
            {
                return false;
            }

            foreach (var c in text)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>The wildcard pattern that would cover <paramref name="serverName"/> (<c>www.example.com</c> gives <c>*.example.com</c>), or null for a single label.</summary>
    public static string? WildcardOf(string serverName)
    {
        var dot = serverName.IndexOf('.', StringComparison.Ordinal);
        return dot <= 0 || dot == serverName.Length - 1 ? null : string.Concat("*", serverName.AsSpan(dot));
    }
}
