using Microsoft.Extensions.Options;

namespace EdgeCache.Dns.Hosting;

/// <summary>Checks <see cref="DnsOptions"/>, each problem in one line a person can act on.</summary>
internal sealed class DnsOptionsValidator : IValidateOptions<DnsOptions>
{
    public ValidateOptionsResult Validate(string? name, DnsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!ListenEndpoint.TryParse(options.Listen, out _))
        {
            failures.Add($"listen '{options.Listen}' is not IP:PORT, e.g. 0.0.0.0:53 or [::]:53");
        }

        if (string.IsNullOrEmpty(options.Zone))
        {
            failures.Add("no zone: give --zone NAME");
        }
        else if (!IsZoneName(options.Zone))
        {
            failures.Add($"zone '{options.Zone}' is not a domain name: labels of 1 to 63 letters, digits and hyphens (not first or last), separated by dots, at most 253 characters");
        }

        if (string.IsNullOrEmpty(options.Origin))
        {
            failures.Add("no origin: give --origin URL, the origin whose fleet the answers come from");
        }
        else if (!Uri.TryCreate(options.Origin, UriKind.Absolute, out var origin) || origin.Scheme is not ("http" or "https"))
        {
            failures.Add($"origin '{options.Origin}' is not an absolute http:// or https:// URL");
        }

        if (string.IsNullOrEmpty(options.Token))
        {
            failures.Add("reading the origin's fleet needs its token: give --token T");
        }

        if (options.Ttl > DnsOptions.MaxTtl)
        {
            failures.Add($"ttl {options.Ttl} is above {DnsOptions.MaxTtl} seconds");
        }

        if (options.FleetRefresh <= TimeSpan.Zero || options.FleetTimeout <= TimeSpan.Zero || options.TcpIdleTimeout <= TimeSpan.Zero)
        {
            failures.Add("FleetRefresh, FleetTimeout and TcpIdleTimeout must be above zero");
        }

        if (options.MaxTcpConnections < 1 || options.UdpReceivers < 1)
        {
            failures.Add("MaxTcpConnections and UdpReceivers must be at least 1");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Presentation form with an optional trailing dot; host-name rules (RFC 1123 2.1), which every name DNS clients ask for here follows.</summary>
    private static bool IsZoneName(string zone)
    {
        var name = zone.EndsWith('.') ? zone[..^1] : zone;
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                {
                    return false;
                }
            }
        }

        return true;
    }
}
