namespace EdgeCache.Dns.Wire;

/// <summary>A packet that is not a well-formed DNS message; the message says what is wrong and where.</summary>
public sealed class DnsFormatException(string message) : Exception(message);
