using System.Net;

namespace EdgeCache.Edge.Hosting;

/// <summary>
/// One address the edge listens on, from <see cref="EdgeOptions.Listen"/>: <c>http://</c> or
/// <c>https://</c>, an IP address, <c>localhost</c>, or <c>*</c> / <c>0.0.0.0</c> / <c>[::]</c> for every
/// interface, and a port (0 picks a free one; not with <c>localhost</c>, which binds two addresses).
/// </summary>
internal sealed record ListenAddress(bool Https, IPAddress? Address, bool Localhost, int Port)
{
    /// <summary>Parses a comma- or semicolon-separated list; <paramref name="problems"/> says what is wrong with the rest.</summary>
    public static IReadOnlyList<ListenAddress> ParseList(string listen, out List<string> problems)
    {
        problems = [];
        var addresses = new List<ListenAddress>();
        foreach (var text in listen.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (TryParse(text, out var address, out var problem))
            {
                addresses.Add(address);
            }
            else
            {
                problems.Add($"listen address '{text}' {problem}");
            }
        }

        if (addresses.Count == 0 && problems.Count == 0)
        {
            problems.Add("no listen address: give --listen http://IP:PORT or https://IP:PORT");
        }

        return addresses;
    }

    private static bool TryParse(string text, out ListenAddress address, out string problem)
    {
        address = null!;
        bool https;
        string rest;
        if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            (https, rest) = (false, text["http://".Length..]);
        }
        else if (text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            (https, rest) = (true, text["https://".Length..]);
        }
        else
        {
            problem = "must start with http:// or https://";
            return false;
        }

        rest = rest.TrimEnd('/');
        var colon = rest.LastIndexOf(':');
        if (colon < 0 || rest.EndsWith(']'))
        {
            // No port given: the scheme's own.
            (colon, rest) = (rest.Length, rest + (https ? ":443" : ":80"));
        }

        var host = rest[..colon];
        if (!int.TryParse(rest.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            problem = "has no valid port (0 to 65535)";
            return false;
        }

        if (host is "*" or "+")
        {
            address = new ListenAddress(https, null, false, port);
        }
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            if (port == 0)
            {
                problem = "cannot pick a free port for localhost (two addresses); give 127.0.0.1:0";
                return false;
            }

            address = new ListenAddress(https, null, true, port);
        }
        else if (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && (host.Contains(':', StringComparison.Ordinal) == host.StartsWith('[')))
        {
            address = new ListenAddress(https, ip, false, port);
        }
        else
        {
            problem = "must name an IP address, localhost or * (a host name would bind every interface)";
            return false;
        }

        problem = string.Empty;
        return true;
    }
}
