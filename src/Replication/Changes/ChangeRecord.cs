using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;

namespace EdgeCache.Replication.Changes;

/// <summary>
/// The framing of one entry in a segment file:
/// <c>[payload length: u32 LE][CRC-32C: u32 LE][batch's last seq: i64 LE][payload: UTF-8 JSON of the ChangeEntry]</c>.
/// The CRC covers the length, the batch's last seq and the payload. Every record names the last
/// seq of its batch, so recovery knows whether the batch made it to disk whole.
/// </summary>
internal static class ChangeRecord
{
    public const int HeaderSize = 16;

    /// <summary>Larger lengths can only be damage; checking them first avoids huge allocations on a torn header.</summary>
    public const int MaxPayload = 16 * 1024 * 1024;

    /// <summary>Frames <paramref name="entry"/> onto <paramref name="output"/>; returns the bytes written.</summary>
    public static int Write(ArrayBufferWriter<byte> output, ChangeEntry entry, long batchLast)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(entry, ChangeLogJsonContext.Default.ChangeEntry);
        if (payload.Length > MaxPayload)
        {
            throw new ArgumentException($"A change entry may take at most {MaxPayload} bytes of JSON; this one takes {payload.Length}.", nameof(entry));
        }

        var header = output.GetSpan(HeaderSize)[..HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)payload.Length);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], batchLast);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Checksum(header, payload));
        output.Advance(HeaderSize);
        output.Write(payload);
        return HeaderSize + payload.Length;
    }

    /// <summary>The CRC of a record: everything but the CRC field itself.</summary>
    public static uint Checksum(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        var crc = Crc32.Compute(header[..4]);
        crc = Crc32.Append(crc, header[8..HeaderSize]);
        return Crc32.Append(crc, payload);
    }
}

/// <summary>What reading the next record of a segment found.</summary>
internal enum RecordStatus
{
    /// <summary>A whole, intact record.</summary>
    Ok,

    /// <summary>The readable end of the segment, exactly at a record boundary.</summary>
    End,

    /// <summary>The segment ends inside a record: a write that did not finish.</summary>
    Short,

    /// <summary>Bytes that are not a valid record: bad length, CRC or JSON.</summary>
    Corrupt,
}

/// <summary>One step of a <see cref="SegmentReader"/>.</summary>
internal readonly record struct RecordRead(RecordStatus Status, ChangeEntry? Entry, long BatchLast, string? Problem);

/// <summary>Reads the records of one segment file sequentially, up to a given end offset.</summary>
internal sealed class SegmentReader : IAsyncDisposable
{
    private readonly FileStream _stream;
    private readonly long _end;
    private readonly byte[] _header = new byte[ChangeRecord.HeaderSize];
    private byte[] _payload = new byte[1024];

    private SegmentReader(FileStream stream, long offset, long end)
    {
        _stream = stream;
        _end = end;
        Position = offset;
        _stream.Position = offset;
    }

    /// <summary>Byte offset of the next record.</summary>
    public long Position { get; private set; }

    /// <summary>Opens <paramref name="path"/> at <paramref name="offset"/>; null <paramref name="end"/> reads to the file's end.</summary>
    public static SegmentReader Open(string path, long offset, long? end)
    {
        // Shared with the appender and with compaction, which may delete the file while it is read.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete,
            bufferSize: 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return new SegmentReader(stream, offset, end ?? stream.Length);
    }

    /// <summary>Reads the record at <see cref="Position"/> and, if it is whole and intact, moves past it.</summary>
    public async ValueTask<RecordRead> ReadAsync(CancellationToken cancellationToken)
    {
        var remaining = _end - Position;
        if (remaining == 0)
        {
            return new RecordRead(RecordStatus.End, null, 0, null);
        }

        if (remaining < ChangeRecord.HeaderSize)
        {
            return new RecordRead(RecordStatus.Short, null, 0, $"{remaining} bytes, too few for a record header");
        }

        await _stream.ReadExactlyAsync(_header, cancellationToken);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(_header);
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(_header.AsSpan(4));
        var batchLast = BinaryPrimitives.ReadInt64LittleEndian(_header.AsSpan(8));
        if (length > ChangeRecord.MaxPayload)
        {
            return new RecordRead(RecordStatus.Corrupt, null, 0, $"record length {length} is out of range");
        }

        if (remaining - ChangeRecord.HeaderSize < length)
        {
            return new RecordRead(RecordStatus.Short, null, 0, $"record of {length} bytes cut off after {remaining - ChangeRecord.HeaderSize}");
        }

        if (_payload.Length < length)
        {
            _payload = new byte[Math.Max(length, _payload.Length * 2)];
        }

        var payload = _payload.AsMemory(0, (int)length);
        await _stream.ReadExactlyAsync(payload, cancellationToken);
        if (ChangeRecord.Checksum(_header, payload.Span) != crc)
        {
            return new RecordRead(RecordStatus.Corrupt, null, 0, "CRC mismatch");
        }

        ChangeEntry? entry;
        try
        {
            entry = JsonSerializer.Deserialize(payload.Span, ChangeLogJsonContext.Default.ChangeEntry);
        }
        catch (JsonException ex)
        {
            return new RecordRead(RecordStatus.Corrupt, null, 0, $"bad JSON ({ex.Message})");
        }

        if (entry is null)
        {
            return new RecordRead(RecordStatus.Corrupt, null, 0, "JSON null instead of an entry");
        }

        Position += ChangeRecord.HeaderSize + length;
        return new RecordRead(RecordStatus.Ok, entry, batchLast, null);
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
