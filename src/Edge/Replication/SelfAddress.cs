namespace EdgeCache.Edge.Replication;

/// <summary>Picks, from the addresses Kestrel bound, one this process can connect to itself on.</summary>
internal static class SelfAddress
{
    /// <summary>The first http address (else https), with a wildcard host replaced by loopback; null when there is none.</summary>
    public static Uri? Of(IEnumerable<string> boundAddresses)
    {
        Uri? https = null;
        foreach (var address in boundAddresses)
        {
            if (!Uri.TryCreate(address.Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal),
                UriKind.Absolute, out var uri))
            {
                continue;
            }

            var host = uri.Host switch
            {
                "0.0.0.0" => "127.0.0.1",
                "[::]" => "[::1]",
                _ => uri.Host,
            };
            var usable = new UriBuilder(uri) { Host = host, Path = "/" }.Uri;
            if (uri.Scheme == Uri.UriSchemeHttp)
            {
                return usable;
            }

            https ??= usable;
        }

        return https;
    }
}
