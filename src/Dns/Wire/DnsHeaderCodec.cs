namespace EdgeCache.Dns.Wire;

/// <summary>The header's second 16-bit word (RFC 1035 4.1.1, RFC 4035 3.2): QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE.</summary>
internal static class DnsHeaderCodec
{
    /// <summary>Octets of the header: ID, flags and the four counts, 16 bits each.</summary>
    public const int Length = 12;

    private const int ResponseBit = 1 << 15;
    private const int OpcodeShift = 11;
    private const int AuthoritativeBit = 1 << 10;
    private const int TruncatedBit = 1 << 9;
    private const int RecursionDesiredBit = 1 << 8;
    private const int RecursionAvailableBit = 1 << 7;
    private const int AuthenticDataBit = 1 << 5;
    private const int CheckingDisabledBit = 1 << 4;

    public static DnsHeader Decode(ushort id, ushort flags) => new(
        id,
        IsResponse: (flags & ResponseBit) != 0,
        Opcode: (DnsOpcode)((flags >> OpcodeShift) & 0xF),
        Authoritative: (flags & AuthoritativeBit) != 0,
        Truncated: (flags & TruncatedBit) != 0,
        RecursionDesired: (flags & RecursionDesiredBit) != 0,
        RecursionAvailable: (flags & RecursionAvailableBit) != 0,
        AuthenticData: (flags & AuthenticDataBit) != 0,
        CheckingDisabled: (flags & CheckingDisabledBit) != 0,
        ResponseCode: (byte)(flags & 0xF));

    /// <summary>The flags word; Z (bit 6) is always 0.</summary>
    /// <exception cref="InvalidOperationException">An opcode or response code over 4 bits: an extended code's upper bits belong in the OPT record, and cutting them off here would send a different code.</exception>
    public static ushort Encode(DnsHeader header)
    {
        if ((int)header.Opcode > 0xF || header.ResponseCode > 0xF)
        {
            throw new InvalidOperationException($"Opcode {header.Opcode} and response code {header.ResponseCode} must each fit in 4 bits.");
        }

        var flags = ((int)header.Opcode << OpcodeShift) | header.ResponseCode;
        flags |= header.IsResponse ? ResponseBit : 0;
        flags |= header.Authoritative ? AuthoritativeBit : 0;
        flags |= header.Truncated ? TruncatedBit : 0;
        flags |= header.RecursionDesired ? RecursionDesiredBit : 0;
        flags |= header.RecursionAvailable ? RecursionAvailableBit : 0;
        flags |= header.AuthenticData ? AuthenticDataBit : 0;
        flags |= header.CheckingDisabled ? CheckingDisabledBit : 0;
        return (ushort)flags;
    }
}
