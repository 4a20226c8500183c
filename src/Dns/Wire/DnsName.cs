using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace EdgeCache.Dns.Wire;

/// <summary>
/// A domain name as its labels, without the root label: <c>www.example.com</c> is
/// <c>["www", "example", "com"]</c>, the root is no labels. Labels are 1 to 63 octets, the whole
/// name at most 255 on the wire (RFC 1035 2.3.4). Comparison is case-insensitive for ASCII letters
/// (RFC 4343); the labels keep the case they were given, so an answer can echo a question's
/// 0x20-randomized spelling.
/// </summary>
/// <remarks>
/// A label is a string of octets: each char is one octet (0-255), so any label from the wire
/// round-trips. The presentation form escapes per RFC 1035 5.1: <c>\.</c>, <c>\\</c>, and
/// <c>\DDD</c> (decimal) for octets that are not visible ASCII.
/// </remarks>
public sealed class DnsName : IEquatable<DnsName>
{
    /// <summary>Longest label in octets (RFC 1035 2.3.4).</summary>
    internal const int MaxLabelLength = 63;

    /// <summary>Longest name in octets on the wire, length octets and the root octet included (RFC 1035 2.3.4).</summary>
    internal const int MaxWireLength = 255;

    private readonly string[] _labels;

    /// <summary>The root name (no labels).</summary>
    public static DnsName Root { get; } = new([]);

    private DnsName(string[] labels)
    {
        _labels = labels;
        WireLength = 1;
        foreach (var label in labels)
        {
            WireLength += 1 + label.Length;
        }
    }

    public IReadOnlyList<string> Labels => _labels;

    /// <summary>Octets of the uncompressed wire form: each label with its length octet, then the root octet.</summary>
    internal int WireLength { get; }

    /// <summary>A name from labels the caller has already checked (1-63 octets each, chars 0-255, at most 255 octets in all): the wire reader's way in.</summary>
    internal static DnsName FromCheckedLabels(string[] labels) => labels.Length == 0 ? Root : new DnsName(labels);

    /// <summary>Parses presentation form: labels separated by dots, an optional trailing dot; "" and "." are the root.</summary>
    /// <exception cref="FormatException">An empty label, a label over 63 octets, a name over 255 octets, or a character that is not printable ASCII.</exception>
    public static DnsName Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var name, out var error) ? name : throw new FormatException($"'{text}' is not a domain name: {error}.");
    }

    /// <remarks>On false, <paramref name="name"/> is null (the contract's signature does not say so, so callers must check the result).</remarks>
    public static bool TryParse(string text, out DnsName name)
    {
        var parsed = TryParse(text, out var parsedName, out _);
        name = parsedName!;
        return parsed;
    }

    /// <summary>Whether this name is <paramref name="zone"/> or below it.</summary>
    public bool IsAtOrBelow(DnsName zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var skip = _labels.Length - zone._labels.Length;
        if (skip < 0)
        {
            return false;
        }

        for (var i = 0; i < zone._labels.Length; i++)
        {
            if (!LabelsEqual(_labels[skip + i], zone._labels[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The labels in front of <paramref name="zone"/> (this name must be at or below it): <c>a.b.zone</c> gives <c>["a", "b"]</c>.</summary>
    public IReadOnlyList<string> LabelsBelow(DnsName zone)
    {
        if (!IsAtOrBelow(zone))
        {
            throw new ArgumentException($"{this} is not at or below {zone}.", nameof(zone));
        }

        return _labels[..(_labels.Length - zone._labels.Length)];
    }

    /// <summary>This name with <paramref name="label"/> in front.</summary>
    /// <exception cref="FormatException">The label or the result is too long, or the label is empty.</exception>
    public DnsName Prepend(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (label.Length is 0 or > MaxLabelLength)
        {
            throw new FormatException($"A label is 1 to {MaxLabelLength} octets; this one is {label.Length}.");
        }

        foreach (var c in label)
        {
            if (c > 0xFF)
            {
                throw new FormatException($"A label is octets; U+{(int)c:X4} is not one.");
            }
        }

        if (WireLength + 1 + label.Length > MaxWireLength)
        {
            throw new FormatException($"{label}.{this} would be over {MaxWireLength} octets.");
        }

        return new DnsName([label, .. _labels]);
    }

    public bool Equals(DnsName? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || other._labels.Length != _labels.Length)
        {
            return false;
        }

        for (var i = 0; i < _labels.Length; i++)
        {
            if (!LabelsEqual(_labels[i], other._labels[i]))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as DnsName);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var label in _labels)
        {
            hash.Add(label.Length);
            foreach (var c in label)
            {
                hash.Add(FoldAscii(c));
            }
        }

        return hash.ToHashCode();
    }

    /// <summary>Presentation form without the trailing dot; the root is ".".</summary>
    public override string ToString()
    {
        if (_labels.Length == 0)
        {
            return ".";
        }

        var text = new StringBuilder(WireLength);
        foreach (var label in _labels)
        {
            if (text.Length > 0)
            {
                text.Append('.');
            }

            foreach (var c in label)
            {
                if (c is '.' or '\\')
                {
                    text.Append('\\').Append(c);
                }
                else if (c is > ' ' and < '\x7F')
                {
                    text.Append(c);
                }
                else
                {
                    text.Append('\\').Append(((int)c).ToString("D3", CultureInfo.InvariantCulture));
                }
            }
        }

        return text.ToString();
    }

    /// <summary>Label equality per RFC 4343: only A-Z and a-z fold; every other octet compares as is.</summary>
    internal static bool LabelsEqual(string a, string b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i] && FoldAscii(a[i]) != FoldAscii(b[i]))
            {
                return false;
            }
        }

        return true;
    }

    internal static char FoldAscii(char c) => c is >= 'A' and <= 'Z' ? (char)(c + ('a' - 'A')) : c;

    private static bool TryParse(string text, [MaybeNullWhen(false)] out DnsName name, out string error)
    {
        name = null;
        if (text is null)
        {
            error = "no text";
            return false;
        }

        if (text.Length == 0 || text == ".")
        {
            name = Root;
            error = "";
            return true;
        }

        var labels = new List<string>();
        var label = new StringBuilder(MaxLabelLength);
        var wireLength = 1;
        var i = 0;
        while (true)
        {
            var atEnd = i == text.Length;
            if (atEnd || text[i] == '.')
            {
                if (label.Length == 0)
                {
                    // At the end after a label, the dot just read was the optional trailing one;
                    // anywhere else ("a..b", ".a", "a..") the label is really empty.
                    if (atEnd && labels.Count > 0)
                    {
                        break;
                    }

                    error = "an empty label";
                    return false;
                }

                wireLength += 1 + label.Length;
                if (wireLength > MaxWireLength)
                {
                    error = $"over {MaxWireLength} octets";
                    return false;
                }

                labels.Add(label.ToString());
                label.Clear();
                if (atEnd)
                {
                    break;
                }

                i++;
                continue;
            }

            if (!TryReadOctet(text, ref i, out var octet, out error))
            {
                return false;
            }

            if (label.Length == MaxLabelLength)
            {
                error = $"a label over {MaxLabelLength} octets";
                return false;
            }

            label.Append(octet);
        }

        name = new DnsName([.. labels]);
        error = "";
        return true;
    }

    /// <summary>One octet of a label in presentation form at <paramref name="i"/>: a visible ASCII character, <c>\X</c> or <c>\DDD</c>.</summary>
    private static bool TryReadOctet(string text, ref int i, out char octet, out string error)
    {
        octet = text[i];
        error = "";
        if (octet is <= ' ' or >= '\x7F')
        {
            error = $"U+{(int)octet:X4} at {i} is not visible ASCII (escape it as \\DDD)";
            return false;
        }

        if (octet != '\\')
        {
            i++;
            return true;
        }

        if (i + 1 == text.Length)
        {
            error = "a backslash at the end";
            return false;
        }

        if (!char.IsAsciiDigit(text[i + 1]))
        {
            octet = text[i + 1];
            if (octet is <= ' ' or >= '\x7F')
            {
                error = $"U+{(int)octet:X4} at {i + 1} is not visible ASCII";
                return false;
            }

            i += 2;
            return true;
        }

        if (i + 3 >= text.Length || !char.IsAsciiDigit(text[i + 2]) || !char.IsAsciiDigit(text[i + 3]))
        {
            error = $"\\DDD at {i} is not three digits";
            return false;
        }

        var value = ((text[i + 1] - '0') * 100) + ((text[i + 2] - '0') * 10) + (text[i + 3] - '0');
        if (value > 0xFF)
        {
            error = $"\\{value} at {i} is over 255";
            return false;
        }

        octet = (char)value;
        i += 4;
        return true;
    }
}
