using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EdgeCache.Replication.Feed;

namespace EdgeCache.Dns.Geo;

/// <summary>
/// Client networks to regions, from the <c>--geo</c> file: one <c>CIDR region</c> per line (IPv4 or
/// IPv6), <c>#</c> comments and blank lines ignored. The longest matching prefix wins.
/// </summary>
public sealed class GeoMap
{
    public static GeoMap Empty { get; } = new();

    private readonly PrefixTable _v4;
    private readonly PrefixTable _v6;

    private GeoMap()
        : this(new PrefixTable(32), new PrefixTable(128))
    {
    }

    private GeoMap(PrefixTable v4, PrefixTable v6)
    {
        _v4 = v4;
        _v6 = v6;
    }

    /// <summary>How many prefixes the map holds.</summary>
    public int Count => _v4.Count + _v6.Count;

    /// <summary>Parses the file's text.</summary>
    /// <exception cref="FormatException">A line that is not a CIDR and a region name (1-64 of A-Z a-z 0-9 . _ -), or a prefix longer than its address; the message names the line number.</exception>
    public static GeoMap Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var v4 = new PrefixTable(32);
        var v6 = new PrefixTable(128);
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var comment = rawLine.IndexOf('#', StringComparison.Ordinal);
            var line = (comment < 0 ? rawLine : rawLine[..comment]).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length != 2)
            {
                throw new FormatException($"line {lineNumber}: '{line}' is not a CIDR and a region, e.g. '10.1.0.0/16 eu-west'");
            }

            var (network, prefixLength) = ParseCidr(words[0], lineNumber);
            if (!FeedProtocol.IsValidName(words[1]))
            {
                throw new FormatException($"line {lineNumber}: region '{words[1]}' is not 1 to 64 of A-Z a-z 0-9 . _ -");
            }

            var table = network.AddressFamily == AddressFamily.InterNetwork ? v4 : v6;
            if (!table.TryAdd(network, prefixLength, words[1], lineNumber, out var earlierLine))
            {
                throw new FormatException($"line {lineNumber}: {words[0]} is already mapped on line {earlierLine}");
            }
        }

        return new GeoMap(v4, v6);
    }

    /// <exception cref="FormatException">See <see cref="Parse"/>; the message also names the file.</exception>
    public static GeoMap Load(string path)
    {
        var text = File.ReadAllText(path);
        try
        {
            return Parse(text);
        }
        catch (FormatException invalid)
        {
            throw new FormatException($"{path}: {invalid.Message}", invalid);
        }
    }

    /// <summary>The region of the longest prefix containing <paramref name="address"/> (IPv4-mapped IPv6 counts as IPv4), or null.</summary>
    public string? RegionOf(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => _v4.Lookup(address),
            AddressFamily.InterNetworkV6 => _v6.Lookup(address),
            _ => null,
        };
    }

    private static (IPAddress Network, int PrefixLength) ParseCidr(string cidr, int lineNumber)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0
            || cidr.Contains('%', StringComparison.Ordinal)
            || !IPAddress.TryParse(cidr.AsSpan(0, slash), out var network)
            || !int.TryParse(cidr.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefixLength)
            // Legacy IPv4 forms (10.1 is 10.0.0.1, 010.0.0.0 octal) say something other than what they seem to.
            || (network.AddressFamily == AddressFamily.InterNetwork && !cidr.AsSpan(0, slash).SequenceEqual(network.ToString())))
        {
            throw new FormatException($"line {lineNumber}: '{cidr}' is not a CIDR such as 10.1.0.0/16 or 2001:db8::/32");
        }

        var bits = network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefixLength > bits)
        {
            throw new FormatException($"line {lineNumber}: '{cidr}' has a prefix longer than its {bits}-bit address");
        }

        // ::ffff:a.b.c.d/n is an IPv4 network written as IPv6; clients arrive as IPv4, so it is kept as one.
        if (network.IsIPv4MappedToIPv6 && prefixLength >= 96)
        {
            (network, prefixLength, bits) = (network.MapToIPv4(), prefixLength - 96, 32);
        }

        if (PrefixTable.Mask(PrefixTable.ToBits(network), prefixLength, bits) != PrefixTable.ToBits(network))
        {
            // Almost always a typo (10.1.0.0/8 meant as /16): refusing it beats silently widening the network.
            throw new FormatException($"line {lineNumber}: '{cidr}' has address bits set beyond its /{prefixLength} prefix");
        }

        return (network, prefixLength);
    }

    /// <summary>The prefixes of one address family, by length; a lookup tries the lengths present, longest first.</summary>
    private sealed class PrefixTable(int bits)
    {
        private readonly SortedDictionary<int, Dictionary<UInt128, (string Region, int Line)>> _byLength
            = new(Comparer<int>.Create((a, b) => b.CompareTo(a)));

        public int Count { get; private set; }

        public bool TryAdd(IPAddress network, int prefixLength, string region, int line, out int earlierLine)
        {
            if (!_byLength.TryGetValue(prefixLength, out var networks))
            {
                networks = [];
                _byLength.Add(prefixLength, networks);
            }

            var key = ToBits(network);
            if (networks.TryGetValue(key, out var earlier))
            {
                earlierLine = earlier.Line;
                return false;
            }

            networks.Add(key, (region, line));
            Count++;
            earlierLine = 0;
            return true;
        }

        public string? Lookup(IPAddress address)
        {
            var value = ToBits(address);
            foreach (var (length, networks) in _byLength)
            {
                if (networks.TryGetValue(Mask(value, length, bits), out var match))
                {
                    return match.Region;
                }
            }

            return null;
        }

        /// <summary>The address as an unsigned number, its first octet most significant.</summary>
        public static UInt128 ToBits(IPAddress address)
        {
            Span<byte> octets = stackalloc byte[16];
            address.TryWriteBytes(octets, out var written);
            UInt128 value = 0;
            for (var i = 0; i < written; i++)
            {
                value = (value << 8) | octets[i];
            }

            return value;
        }

        /// <summary>The first <paramref name="prefixLength"/> of the <paramref name="bits"/> bits of <paramref name="value"/>, the rest zero.</summary>
        public static UInt128 Mask(UInt128 value, int prefixLength, int bits)
        {
            var hostBits = bits - prefixLength;
            return hostBits >= 128 ? 0 : value >> hostBits << hostBits;
        }
    }
}
