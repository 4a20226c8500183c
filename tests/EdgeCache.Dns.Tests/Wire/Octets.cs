namespace EdgeCache.Dns.Tests.Wire;

/// <summary>Packets written as hex in the tests, spaced into fields for reading.</summary>
internal static class Octets
{
    public static byte[] FromHex(string hex) => Convert.FromHexString(string.Concat(hex.Where(c => !char.IsWhiteSpace(c))));

    public static string ToHex(ReadOnlySpan<byte> octets) => Convert.ToHexStringLower(octets);
}
