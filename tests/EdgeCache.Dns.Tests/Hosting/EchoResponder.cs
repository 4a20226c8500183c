using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using EdgeCache.Dns.Answering;

namespace EdgeCache.Dns.Tests.Hosting;

/// <summary>
/// A stand-in responder for transport tests: answers a packet of at least a header with the same
/// packet, QR bit set; nothing to anything shorter; throws for the id <see cref="ThrowingId"/>.
/// Remembers who asked over what.
/// </summary>
internal sealed class EchoResponder : IDnsResponder
{
    public const ushort ThrowingId = 0xDEAD;

    public ConcurrentQueue<(ushort Id, IPAddress Client, DnsTransport Transport)> Queries { get; } = new();

    /// <summary>A 12-octet header with <paramref name="id"/>, RD set, no questions; <paramref name="padding"/> octets follow it.</summary>
    public static byte[] Query(ushort id, int padding = 0)
    {
        var packet = new byte[12 + padding];
        BinaryPrimitives.WriteUInt16BigEndian(packet, id);
        packet[2] = 0x01;
        return packet;
    }

    public static ushort IdOf(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt16BigEndian(packet);

    public static bool IsAnswerTo(ReadOnlySpan<byte> answer, byte[] query)
        => answer.Length == query.Length && (answer[2] & 0x80) != 0 && answer[..2].SequenceEqual(query.AsSpan(0, 2)) && answer[3..].SequenceEqual(query.AsSpan(3));

    public byte[]? Respond(ReadOnlySpan<byte> query, IPAddress client, DnsTransport transport)
    {
        if (query.Length < 12)
        {
            return null;
        }

        var id = IdOf(query);
        Queries.Enqueue((id, client, transport));
        if (id == ThrowingId)
        {
            throw new InvalidOperationException("the responder failed on purpose");
        }

        var answer = query.ToArray();
        answer[2] |= 0x80;
        return answer;
    }
}
