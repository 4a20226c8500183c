using System.Buffers.Binary;
using System.Text;

namespace EdgeCache.Dns.Wire;

/// <summary>
/// A cursor over a whole DNS packet. Every read checks its bounds and throws
/// <see cref="DnsFormatException"/> past the end, so a malformed packet can fail only that way.
/// </summary>
internal ref struct DnsReader(ReadOnlySpan<byte> packet)
{
    /// <summary>Most compression pointers followed for one name; a real name needs a handful.</summary>
    internal const int MaxPointerHops = 128;

    // A name of at most 255 octets has at most 127 labels of one octet each.
    private const int MaxLabels = (DnsName.MaxWireLength - 1) / 2;

    private readonly ReadOnlySpan<byte> _packet = packet;

    public int Position { get; private set; }

    public readonly int Remaining => _packet.Length - Position;

    public byte ReadByte() => Take(1)[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    public ReadOnlySpan<byte> ReadBytes(int count) => Take(count);

    /// <summary>
    /// A possibly compressed name (RFC 1035 4.1.4). The cursor ends after the name's own octets:
    /// after its root octet, or after its first pointer.
    /// </summary>
    public DnsName ReadName()
    {
        Span<int> labelStarts = stackalloc int[MaxLabels];
        var labelCount = 0;
        var wireLength = 1;
        var hops = 0;
        var offset = Position;
        // Each pointer must land before the segment it is read from began (the name's start, or the
        // previous pointer's target). Targets then strictly decrease, so no pointer can ever lead
        // back into octets already read: loops are impossible, not merely cut off.
        var segmentStart = offset;
        var resumeAt = -1;
        while (true)
        {
            if (offset >= _packet.Length)
            {
                throw new DnsFormatException($"The name at {Position} runs past the end of the packet.");
            }

            var length = _packet[offset];
            switch (length & 0xC0)
            {
                case 0x00 when length == 0:
                    Position = resumeAt >= 0 ? resumeAt : offset + 1;
                    return BuildName(labelStarts[..labelCount]);

                case 0x00:
                    if (length > _packet.Length - offset - 1)
                    {
                        throw new DnsFormatException($"The label at {offset} runs past the end of the packet.");
                    }

                    wireLength += 1 + length;
                    if (wireLength > DnsName.MaxWireLength)
                    {
                        throw new DnsFormatException($"The name at {Position} is over {DnsName.MaxWireLength} octets.");
                    }

                    labelStarts[labelCount++] = offset;
                    offset += 1 + length;
                    break;

                case 0xC0:
                    if (offset + 1 >= _packet.Length)
                    {
                        throw new DnsFormatException($"The compression pointer at {offset} runs past the end of the packet.");
                    }

                    var target = ((length & 0x3F) << 8) | _packet[offset + 1];
                    if (target >= segmentStart)
                    {
                        throw new DnsFormatException($"The compression pointer at {offset} points to {target}, not before {segmentStart}.");
                    }

                    if (++hops > MaxPointerHops)
                    {
                        throw new DnsFormatException($"The name at {Position} follows more than {MaxPointerHops} compression pointers.");
                    }

                    if (resumeAt < 0)
                    {
                        resumeAt = offset + 2;
                    }

                    offset = target;
                    segmentStart = target;
                    break;

                default:
                    // 0b01 (RFC 6891 extended label types) and 0b10 (reserved) have no use left.
                    throw new DnsFormatException($"The label at {offset} has the unsupported type 0x{length & 0xC0:X2}.");
            }
        }
    }

    private readonly DnsName BuildName(ReadOnlySpan<int> labelStarts)
    {
        if (labelStarts.IsEmpty)
        {
            return DnsName.Root;
        }

        var labels = new string[labelStarts.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            var start = labelStarts[i];
            // Latin-1 maps each octet to the char of the same value, so any label round-trips.
            labels[i] = Encoding.Latin1.GetString(_packet.Slice(start + 1, _packet[start]));
        }

        return DnsName.FromCheckedLabels(labels);
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > Remaining)
        {
            throw new DnsFormatException($"{count} octets wanted at {Position}, {Remaining} left.");
        }

        var taken = _packet.Slice(Position, count);
        Position += count;
        return taken;
    }
}
