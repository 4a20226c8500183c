using System.Net;

namespace EdgeCache.Dns.Geo;

/// <summary>
/// Client networks to regions, from the <c>--geo</c> file: one <c>CIDR region</c> per line (IPv4 or
/// IPv6), <c>#</c> comments and blank lines ignored. The longest matching prefix wins.
/// </summary>
public sealed class GeoMap
{
    public static GeoMap Empty { get; } = new();

    /// <summary>Parses the file's text.</summary>
    /// <exception cref="FormatException">A line that is not a CIDR and a region name (1-64 of A-Z a-z 0-9 . _ -), or a prefix longer than its address; the message names the line number.</exception>
    public static GeoMap Parse(string text) => throw new NotImplementedException();

    /// <exception cref="FormatException">See <see cref="Parse"/>; the message also names the file.</exception>
    public static GeoMap Load(string path) => throw new NotImplementedException();

    /// <summary>The region of the longest prefix containing <paramref name="address"/> (IPv4-mapped IPv6 counts as IPv4), or null.</summary>
    public string? RegionOf(IPAddress address) => throw new NotImplementedException();
}
