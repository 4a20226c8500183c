using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using EdgeCache.Edge.Tls;
using EdgeCache.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCache.IntegrationTests;

/// <summary>TLS termination at the edge (<c>Edge:Tls</c>), with certificates a test CA issues, over real handshakes.</summary>
public sealed class TlsTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly TestCertificateAuthority _ca = TestCertificateAuthority.Create();
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("edgecache-tls-");

    public void Dispose()
    {
        _ca.Dispose();
        _folder.Delete(recursive: true);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Hits_and_misses_are_served_over_TLS_with_HTTP_1_1_and_HTTP_2(int major)
    {
        // 1 KiB goes through Kestrel's buffers, 200 KiB from the body arena: on plain HTTP that one is sent with sendfile, which TLS must never see.
        var small = TestBytes(1024, seed: 1);
        var large = TestBytes(200 << 10, seed: 2);
        await using var upstream = await TestUpstream.StartAsync(context =>
        {
            context.Response.Headers.CacheControl = "max-age=60";
            context.Response.ContentType = "application/octet-stream";
            return context.Response.Body.WriteAsync(context.Request.Path == "/large" ? large : small).AsTask();
        });
        var (certificate, key, _) = _ca.WritePem(_folder.FullName, "edge", "edge.test");
        await using var edge = await TestEdge.InFrontOfAsync(
            upstream,
            ("Edge:Listen", "https://127.0.0.1:0"),
            ("Edge:Tls:Certificate", certificate),
            ("Edge:Tls:Key", key));
        var address = new Uri(edge.Url);
        Assert.Equal("https", address.Scheme);
        using var client = _ca.Client(address, new Version(major, major == 1 ? 1 : 0));

        foreach (var (path, body) in new[] { ("/small", small), ("/large", large) })
        {
            foreach (var expected in new[] { "miss", "hit" })
            {
                using var response = await client.GetAsync($"https://edge.test:{address.Port}{path}");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(new Version(major, major == 1 ? 1 : 0), response.Version);
                Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());
                Assert.Contains(expected == "hit" ? "hit" : "fwd=", string.Join(",", response.Headers.GetValues("Cache-Status")));
            }
        }

        Assert.Equal(2, upstream.Requests);
    }

    [Fact]
    public async Task The_handshake_is_TLS_1_2_or_later_offers_HTTP_2_by_ALPN_and_sends_the_chain()
    {
        var (certificate, key, leaf) = _ca.WritePem(_folder.FullName, "edge", "edge.test");
        await using var upstream = await TestUpstream.StaticAsync("hello");
        await using var edge = await TestEdge.InFrontOfAsync(
            upstream, ("Edge:Listen", "https://127.0.0.1:0"), ("Edge:Tls:Certificate", certificate), ("Edge:Tls:Key", key));

        var h2 = await _ca.HandshakeAsync(new Uri(edge.Url), "edge.test", SslApplicationProtocol.Http2, SslApplicationProtocol.Http11);
        var h1 = await _ca.HandshakeAsync(new Uri(edge.Url), "edge.test", SslApplicationProtocol.Http11);

        Assert.Equal(leaf.Thumbprint, h2.Certificate.Thumbprint);
        // Valid against the root alone: the edge sent the intermediate from the PEM file with the leaf.
        Assert.True(h2.Valid);
        Assert.True(h2.Protocol is SslProtocols.Tls12 or SslProtocols.Tls13, $"negotiated {h2.Protocol}");
        Assert.Equal(SslApplicationProtocol.Http2, h2.Alpn);
        Assert.Equal(SslApplicationProtocol.Http11, h1.Alpn);
    }

    [Fact]
    public async Task SNI_picks_the_certificate_for_the_name_the_client_asks_for()
    {
        var fallback = _ca.WritePem(_folder.FullName, "default", "default.test");
        var shop = _ca.WritePem(_folder.FullName, "shop", "shop.test", "www.shop.test", "alt.shop.test");
        var wildcard = _ca.WritePem(_folder.FullName, "media", "*.media.test");
        await using var upstream = await TestUpstream.StaticAsync("hello");
        await using var edge = await TestEdge.InFrontOfAsync(
            upstream,
            ("Edge:Listen", "https://127.0.0.1:0"),
            ("Edge:Tls:Certificate", fallback.Certificate),
            ("Edge:Tls:Key", fallback.Key),
            // Host names given explicitly, and taken from the certificate's own names.
            ("Edge:Tls:Certificates:0:HostNames:0", "shop.test"),
            ("Edge:Tls:Certificates:0:HostNames:1", "www.shop.test"),
            ("Edge:Tls:Certificates:0:Certificate", shop.Certificate),
            ("Edge:Tls:Certificates:0:Key", shop.Key),
            ("Edge:Tls:Certificates:1:Certificate", wildcard.Certificate),
            ("Edge:Tls:Certificates:1:Key", wildcard.Key));
        var address = new Uri(edge.Url);

        Assert.Equal(shop.Leaf.Thumbprint, (await _ca.HandshakeAsync(address, "shop.test")).Certificate.Thumbprint);
        Assert.Equal(shop.Leaf.Thumbprint, (await _ca.HandshakeAsync(address, "WWW.Shop.Test")).Certificate.Thumbprint);
        // Configured names replace the certificate's own: this one is not listed.
        Assert.Equal(fallback.Leaf.Thumbprint, (await _ca.HandshakeAsync(address, "alt.shop.test")).Certificate.Thumbprint);
        Assert.Equal(wildcard.Leaf.Thumbprint, (await _ca.HandshakeAsync(address, "img.media.test")).Certificate.Thumbprint);
        Assert.Equal(shop.Leaf.Thumbprint, (await _ca.HandshakeAsync(address, "shop.test.")).Certificate.Thumbprint);
        // A wildcard covers one label only.
        Assert.Equal(fallback.Leaf.Thumbprint, (await _ca.HandshakeAsync(address, "a.img.media.test")).Certificate.Thumbprint);
        Assert.Equal(fallback.Leaf.Thumbprint, (await _ca.HandshakeAsync(address, "other.test")).Certificate.Thumbprint);
        Assert.Equal(fallback.Leaf.Thumbprint, (await _ca.HandshakeAsync(address, serverName: null)).Certificate.Thumbprint);
        Assert.True((await _ca.HandshakeAsync(address, "img.media.test")).Valid);

        // And HTTP requests by those names get through with full validation.
        using var client = _ca.Client(address, HttpVersion.Version20);
        Assert.Equal("hello", await client.GetStringAsync($"https://img.media.test:{address.Port}/"));
        Assert.Equal("hello", await client.GetStringAsync($"https://www.shop.test:{address.Port}/"));
    }

    [Fact]
    public async Task A_renewed_certificate_is_served_to_new_connections_without_a_restart()
    {
        var first = _ca.WritePem(_folder.FullName, "edge", "edge.test");
        await using var upstream = await TestUpstream.StaticAsync("hello");
        await using var edge = await TestEdge.InFrontOfAsync(
            upstream, ("Edge:Listen", "https://127.0.0.1:0"), ("Edge:Tls:Certificate", first.Certificate), ("Edge:Tls:Key", first.Key));
        var address = new Uri(edge.Url);
        using var client = _ca.Client(address, HttpVersion.Version11);
        Assert.Equal("hello", await client.GetStringAsync($"https://edge.test:{address.Port}/"));
        Assert.Equal(first.Leaf.Thumbprint, (await _ca.HandshakeAsync(address, "edge.test")).Certificate.Thumbprint);

        var renewed = _ca.WritePem(_folder.FullName, "edge", "edge.test");

        Assert.True(
            await Deadline.UntilAsync(async () => (await _ca.HandshakeAsync(address, "edge.test")).Certificate.Thumbprint == renewed.Leaf.Thumbprint, Patience),
            "the renewed certificate was never served");
        // The connection opened before the renewal keeps working.
        Assert.Equal("hello", await client.GetStringAsync($"https://edge.test:{address.Port}/"));

        // A broken write leaves the last good certificate in place, and says so.
        var store = edge.Services.GetRequiredService<CertificateStore>();
        var reloads = store.Reloads;
        await File.WriteAllTextAsync(renewed.Key, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
        Assert.True(
            await Deadline.UntilAsync(() => Task.FromResult(edge.Logs.Entries.Any(e => e.Level == LogLevel.Error && e.Message.Contains("previous ones stay in use", StringComparison.Ordinal))), Patience),
            "a certificate that does not load was not reported");
        Assert.Equal(reloads, store.Reloads);
        var afterBadWrite = await _ca.HandshakeAsync(address, "edge.test");
        Assert.Equal(renewed.Leaf.Thumbprint, afterBadWrite.Certificate.Thumbprint);
        Assert.True(afterBadWrite.Valid);
    }

    [Fact]
    public async Task Plain_HTTP_is_redirected_to_HTTPS_and_HTTPS_responses_carry_HSTS()
    {
        var (certificate, key, _) = _ca.WritePem(_folder.FullName, "edge", "edge.test");
        await using var upstream = await TestUpstream.StartAsync(context =>
        {
            context.Response.Headers.CacheControl = "max-age=60";
            return context.Response.WriteAsync(context.Request.Method + " " + context.Request.Path);
        });
        await using var edge = await TestEdge.InFrontOfAsync(
            upstream,
            ("Edge:Listen", "http://127.0.0.1:0,https://127.0.0.1:0"),
            ("Edge:Tls:Certificate", certificate),
            ("Edge:Tls:Key", key),
            ("Edge:Tls:RedirectHttp", "true"),
            ("Edge:Tls:HstsMaxAge", "365.00:00:00"),
            ("Edge:Tls:HstsIncludeSubDomains", "true"));
        var plain = new Uri(edge.Urls.Single(url => url.StartsWith("http://", StringComparison.Ordinal)));
        var secure = new Uri(edge.Urls.Single(url => url.StartsWith("https://", StringComparison.Ordinal)));
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = plain };

        using var get = new HttpRequestMessage(HttpMethod.Get, "/a%20b/page?x=1&y=%2F");
        get.Headers.Host = $"edge.test:{plain.Port}";
        using var redirected = await http.SendAsync(get);
        using var post = new HttpRequestMessage(HttpMethod.Post, "/form") { Content = new StringContent("x") };
        post.Headers.Host = "edge.test";
        using var postRedirected = await http.SendAsync(post);
        using var health = await http.GetAsync("/_edge/health");

        Assert.Equal(HttpStatusCode.MovedPermanently, redirected.StatusCode);
        Assert.Equal($"https://edge.test:{secure.Port}/a%20b/page?x=1&y=%2F", redirected.Headers.Location!.OriginalString);
        Assert.False(redirected.Headers.Contains("Strict-Transport-Security"));
        Assert.Equal(HttpStatusCode.PermanentRedirect, postRedirected.StatusCode);
        Assert.Equal($"https://edge.test:{secure.Port}/form", postRedirected.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(0, upstream.Requests);

        // Following the redirect lands on the HTTPS address, which answers with HSTS, on misses and hits alike.
        using var https = _ca.Client(secure, HttpVersion.Version20);
        foreach (var _ in new[] { "miss", "hit" })
        {
            using var response = await https.GetAsync(redirected.Headers.Location);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("GET /a%20b/page", await response.Content.ReadAsStringAsync());
            Assert.Equal("max-age=31536000; includeSubDomains", Assert.Single(response.Headers.GetValues("Strict-Transport-Security")));
        }

        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task TLS_settings_that_cannot_work_fail_the_start_saying_why()
    {
        var good = _ca.WritePem(_folder.FullName, "edge", "edge.test");
        var other = _ca.WritePem(_folder.FullName, "other", "other.test");
        await using var upstream = await TestUpstream.StaticAsync("hello");

        async Task<string> StartFailure(params (string Key, string Value)[] settings)
            => (await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => TestEdge.InFrontOfAsync(upstream, settings))).Message;

        Assert.Contains("needs a certificate: give --cert FILE --key FILE", await StartFailure(("Edge:Listen", "https://127.0.0.1:0")));
        Assert.Contains("give both the certificate (--cert) and its key (--key)", await StartFailure(
            ("Edge:Listen", "https://127.0.0.1:0"), ("Edge:Tls:Certificate", good.Certificate)));
        Assert.Contains($"certificate '{good.Certificate}' with key '{other.Key}' could not be loaded", await StartFailure(
            ("Edge:Listen", "https://127.0.0.1:0"), ("Edge:Tls:Certificate", good.Certificate), ("Edge:Tls:Key", other.Key)));
        Assert.Contains("/nonexistent/edge.crt", await StartFailure(
            ("Edge:Listen", "https://127.0.0.1:0"), ("Edge:Tls:Certificate", "/nonexistent/edge.crt"), ("Edge:Tls:Key", good.Key)));
        Assert.Contains("no listen address is https://", await StartFailure(
            ("Edge:Tls:Certificate", good.Certificate), ("Edge:Tls:Key", good.Key)));
        Assert.Contains("RedirectHttp needs both an http:// and an https:// listen address", await StartFailure(
            ("Edge:Listen", "https://127.0.0.1:0"), ("Edge:Tls:Certificate", good.Certificate), ("Edge:Tls:Key", good.Key), ("Edge:Tls:RedirectHttp", "true")));
        Assert.Contains("host name 'bad name' is not a DNS name", await StartFailure(
            ("Edge:Listen", "https://127.0.0.1:0"),
            ("Edge:Tls:Certificates:0:Certificate", good.Certificate),
            ("Edge:Tls:Certificates:0:Key", good.Key),
            ("Edge:Tls:Certificates:0:HostNames:0", "bad name")));
        Assert.Contains("listen address 'https://edge.example:443' must name an IP address", await StartFailure(
            ("Edge:Listen", "https://edge.example:443"), ("Edge:Tls:Certificate", good.Certificate), ("Edge:Tls:Key", good.Key)));
    }

    private static byte[] TestBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
