namespace EdgeCache.Dns.Wire;

/// <summary>
/// A domain name as its labels, without the root label: <c>www.example.com</c> is
/// <c>["www", "example", "com"]</c>, the root is no labels. Labels are 1 to 63 octets, the whole
/// name at most 255 on the wire (RFC 1035 2.3.4). Comparison is case-insensitive for ASCII letters
/// (RFC 4343); the labels keep the case they were given, so an answer can echo a question's
/// 0x20-randomized spelling.
/// </summary>
public sealed class DnsName : IEquatable<DnsName>
{
    /// <summary>The root name (no labels).</summary>
    public static DnsName Root { get; } = new([]);

    private DnsName(string[] labels) => Labels = labels;

    public IReadOnlyList<string> Labels { get; }

    /// <summary>Parses presentation form: labels separated by dots, an optional trailing dot; "" and "." are the root.</summary>
    /// <exception cref="FormatException">An empty label, a label over 63 octets, a name over 255 octets, or a character that is not printable ASCII.</exception>
    public static DnsName Parse(string text) => throw new NotImplementedException();

    public static bool TryParse(string text, out DnsName name) => throw new NotImplementedException();

    /// <summary>Whether this name is <paramref name="zone"/> or below it.</summary>
    public bool IsAtOrBelow(DnsName zone) => throw new NotImplementedException();

    /// <summary>The labels in front of <paramref name="zone"/> (this name must be at or below it): <c>a.b.zone</c> gives <c>["a", "b"]</c>.</summary>
    public IReadOnlyList<string> LabelsBelow(DnsName zone) => throw new NotImplementedException();

    /// <summary>This name with <paramref name="label"/> in front.</summary>
    /// <exception cref="FormatException">The label or the result is too long, or the label is empty.</exception>
    public DnsName Prepend(string label) => throw new NotImplementedException();

    public bool Equals(DnsName? other) => throw new NotImplementedException();

    public override bool Equals(object? obj) => Equals(obj as DnsName);

    public override int GetHashCode() => throw new NotImplementedException();

    /// <summary>Presentation form without the trailing dot; the root is ".".</summary>
    public override string ToString() => throw new NotImplementedException();
}
