using System.Buffers.Binary;

namespace EdgeCache.Dns.Wire;

/// <summary>
/// A growing DNS packet with a compression table: every name suffix written at an offset a
/// pointer can reach is remembered, so a later name ends in a pointer to the longest one already
/// there (RFC 1035 4.1.4).
/// </summary>
internal sealed class DnsWriter
{
    /// <summary>Largest DNS message: TCP frames it with a 16-bit length (RFC 1035 4.2.2).</summary>
    public const int MaxMessageLength = ushort.MaxValue;

    // A pointer has 14 bits of offset.
    private const int MaxPointerOffset = 0x3FFF;
    private const ushort PointerTag = 0xC000;

    private readonly Dictionary<(DnsName Name, int Skip), int> _suffixOffsets = new(NameSuffixComparer.Instance);
    private byte[] _buffer = new byte[512];

    public int Length { get; private set; }

    public void WriteByte(byte value) => Grow(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Grow(2), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Grow(4), value);

    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Grow(bytes.Length));

    /// <summary>Room for a 16-bit value known only later (a length); returns where to <see cref="PatchUInt16"/> it.</summary>
    public int ReserveUInt16()
    {
        var at = Length;
        Grow(2);
        return at;
    }

    public void PatchUInt16(int at, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(at, 2), value);

    /// <summary>
    /// A name, ending in a pointer to the longest suffix already written when <paramref name="compress"/>
    /// (the first spelling written is the one later names point to). Its own suffixes are remembered
    /// either way: pointing into a name that must not itself be compressed is allowed.
    /// </summary>
    public void WriteName(DnsName name, bool compress)
    {
        var labels = name.Labels;
        for (var skip = 0; skip < labels.Count; skip++)
        {
            if (compress && _suffixOffsets.TryGetValue((name, skip), out var offset))
            {
                WriteUInt16((ushort)(PointerTag | offset));
                return;
            }

            if (Length <= MaxPointerOffset)
            {
                _suffixOffsets.TryAdd((name, skip), Length);
            }

            var label = labels[skip];
            var octets = Grow(1 + label.Length);
            octets[0] = (byte)label.Length;
            for (var i = 0; i < label.Length; i++)
            {
                // Labels hold one octet per char (DnsName never holds a char over 0xFF).
                octets[1 + i] = (byte)label[i];
            }
        }

        WriteByte(0);
    }

    public byte[] ToArray() => _buffer.AsSpan(0, Length).ToArray();

    private Span<byte> Grow(int count)
    {
        if (Length + count > MaxMessageLength)
        {
            throw new InvalidOperationException($"The message would be over {MaxMessageLength} octets.");
        }

        if (Length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + count));
        }

        var room = _buffer.AsSpan(Length, count);
        Length += count;
        return room;
    }

    /// <summary>Compares the suffixes of names from a label on, as RFC 4343 compares names.</summary>
    private sealed class NameSuffixComparer : IEqualityComparer<(DnsName Name, int Skip)>
    {
        public static NameSuffixComparer Instance { get; } = new();

        public bool Equals((DnsName Name, int Skip) x, (DnsName Name, int Skip) y)
        {
            var xLabels = x.Name.Labels;
            var yLabels = y.Name.Labels;
            if (xLabels.Count - x.Skip != yLabels.Count - y.Skip)
            {
                return false;
            }

            for (int i = x.Skip, j = y.Skip; i < xLabels.Count; i++, j++)
            {
                if (!DnsName.LabelsEqual(xLabels[i], yLabels[j]))
                {
                    return false;
                }
            }

            return true;
        }

        public int GetHashCode((DnsName Name, int Skip) suffix)
        {
            var hash = new HashCode();
            var labels = suffix.Name.Labels;
            for (var i = suffix.Skip; i < labels.Count; i++)
            {
                hash.Add(labels[i].Length);
                foreach (var c in labels[i])
                {
                    hash.Add(DnsName.FoldAscii(c));
                }
            }

            return hash.ToHashCode();
        }
    }
}
