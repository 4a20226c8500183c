using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// The hash <see cref="EntryTable"/> finds keys by: a third of the cost of
/// <see cref="string.GetHashCode(ReadOnlySpan{char})"/> (Marvin, whose 4-byte rounds form one
/// long chain) on a typical cache key. It takes XXH3's layout for inputs up to 128 bytes: each
/// 16-byte block, taken in pairs from both ends, is mixed with its own secrets by a
/// 64×64→128-bit multiply, and the products are added, so the multiplies run side by side;
/// only the 64-byte stripes of longer keys chain. The secrets
/// are random per process, so which keys collide cannot be worked out offline; the table
/// still falls back to Marvin when a run of colliding keys grows anyway.
/// </summary>
internal static class KeyHash
{
    // Odd constants from XXH3/wyhash, for the length and the fold of a stripe into the hash.
    private const ulong LengthPrime = 0xA0761D6478BD642F;
    private const ulong StripePrime = 0xE7037ED1A0B428DB;
    private const ulong AvalanchePrime = 0x165667919E3779F9;

    // Static readonly, so the JIT writes them into the code as constants.
    private static readonly ulong Secret0 = NewSecret();
    private static readonly ulong Secret1 = NewSecret();
    private static readonly ulong Secret2 = NewSecret();
    private static readonly ulong Secret3 = NewSecret();
    private static readonly ulong Secret4 = NewSecret();
    private static readonly ulong Secret5 = NewSecret();
    private static readonly ulong Secret6 = NewSecret();
    private static readonly ulong Secret7 = NewSecret();

    /// <summary>The hash of <paramref name="key"/>'s chars, the same for a string and a span over equal chars.</summary>
    public static int Of(ReadOnlySpan<char> key)
    {
        ref var start = ref Unsafe.As<char, byte>(ref MemoryMarshal.GetReference(key));
        var length = key.Length * sizeof(char);
        var hash = (ulong)length * LengthPrime;

        // Every read below lies within [0, length): see the bounds on each branch.
        if (length <= 16)
        {
            ulong first = 0, last = 0;
            if (length >= 8)
            {
                // Two words, overlapping when the key is shorter than 16 bytes.
                first = Read(ref start, 0);
                last = Read(ref start, length - 8);
            }
            else
            {
                foreach (var c in key)
                {
                    first = (first << 16) | c;
                }
            }

            hash += Multiply(first ^ Secret0, last ^ Secret1);
        }
        else if (length <= 128)
        {
            // Blocks from both ends, meeting or overlapping in the middle: 17-32 bytes take
            // two, up to 64 four, up to 96 six, up to 128 eight.
            hash += Mix(ref start, 0, Secret0, Secret1) + Mix(ref start, length - 16, Secret2, Secret3);
            if (length > 32)
            {
                hash += Mix(ref start, 16, Secret4, Secret5) + Mix(ref start, length - 32, Secret6, Secret7);
                if (length > 64)
                {
                    hash += Mix(ref start, 32, Secret1, Secret2) + Mix(ref start, length - 48, Secret3, Secret4);
                    if (length > 96)
                    {
                        hash += Mix(ref start, 48, Secret5, Secret6) + Mix(ref start, length - 64, Secret7, Secret0);
                    }
                }
            }
        }
        else
        {
            var offset = 0;
            while (length - offset > 64)
            {
                var stripe = Mix(ref start, offset, Secret0, Secret1) + Mix(ref start, offset + 16, Secret2, Secret3)
                    + Mix(ref start, offset + 32, Secret4, Secret5) + Mix(ref start, offset + 48, Secret6, Secret7);
                hash = Multiply(hash ^ stripe, StripePrime);
                offset += 64;
            }

            // The last 64 bytes, overlapping the last stripe.
            offset = length - 64;
            hash += Mix(ref start, offset, Secret0, Secret1) + Mix(ref start, offset + 16, Secret2, Secret3)
                + Mix(ref start, offset + 32, Secret4, Secret5) + Mix(ref start, offset + 48, Secret6, Secret7);
        }

        hash ^= hash >> 37;
        hash *= AvalanchePrime;
        hash ^= hash >> 32;
        return (int)hash;
    }

    private static ulong Read(ref byte start, int offset) => Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, offset));

    private static ulong Mix(ref byte start, int offset, ulong low, ulong high)
        => Multiply(Read(ref start, offset) ^ low, Read(ref start, offset + 8) ^ high);

    /// <summary>The 128-bit product's halves xored.</summary>
    private static ulong Multiply(ulong left, ulong right)
    {
        // The high half alone keeps both halves in registers; Math.BigMul's out parameter
        // takes a trip through the stack on every multiply.
        var high = Bmi2.X64.IsSupported ? Bmi2.X64.MultiplyNoFlags(left, right)
            : ArmBase.Arm64.IsSupported ? ArmBase.Arm64.MultiplyHigh(left, right)
            : Math.BigMul(left, right, out _);
        return high ^ (left * right);
    }

    private static ulong NewSecret()
    {
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        RandomNumberGenerator.Fill(bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }
}
