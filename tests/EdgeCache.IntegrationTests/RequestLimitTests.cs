using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeCache.IntegrationTests.Infrastructure;

namespace EdgeCache.IntegrationTests;

/// <summary>What one client request may cost the edge (<c>Edge:Limits</c>), against a real edge and upstream.</summary>
public sealed class RequestLimitTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Oversized_headers_URLs_and_bodies_are_refused_and_never_reach_the_upstream()
    {
        await using var upstream = await TestUpstream.StaticAsync("fine", "no-store");
        await using var edge = await TestEdge.InFrontOfAsync(
            upstream,
            ("Edge:Limits:MaxHeadersSize", "4KB"),
            ("Edge:Limits:MaxRequestLineSize", "1KB"),
            ("Edge:Limits:MaxBodySize", "1KB"));

        using var headers = new HttpRequestMessage(HttpMethod.Get, "/page");
        headers.Headers.Add("X-Padding", new string('h', 5000));
        using var tooManyHeaders = await edge.Client.SendAsync(headers);
        using var tooLongUrl = await edge.Client.GetAsync("/" + new string('u', 2000));
        using var tooLargeBody = await edge.Client.PostAsync("/form", new ByteArrayContent(new byte[2048]));

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, tooManyHeaders.StatusCode);
        Assert.Equal(HttpStatusCode.RequestUriTooLong, tooLongUrl.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLargeBody.StatusCode);
        Assert.Equal(0, upstream.Requests);

        // A chunked body declares no length: it is cut off once it passes the limit.
        using var chunked = new StreamContent(new MemoryStream(new byte[2048]));
        using var tooLargeChunked = await edge.Client.PostAsync("/form", chunked);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLargeChunked.StatusCode);

        // Within the limits the same requests pass.
        Assert.Equal("fine", await edge.Client.GetStringAsync("/" + new string('u', 500)));
        using var smallBody = await edge.Client.PostAsync("/form", new ByteArrayContent(new byte[512]));
        Assert.Equal(HttpStatusCode.OK, smallBody.StatusCode);
    }

    [Fact]
    public async Task A_client_trickling_its_headers_is_cut_off_while_others_keep_being_served()
    {
        await using var upstream = await TestUpstream.StaticAsync("served", "max-age=60");
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:Limits:HeadersTimeout", "00:00:01"));
        var edgeUri = new Uri(edge.Url);
        Assert.Equal("served", await edge.Client.GetStringAsync("/page"));

        using var slow = new TcpClient();
        await slow.ConnectAsync(edgeUri.Host, edgeUri.Port);
        var stream = slow.GetStream();
        var trickled = Stopwatch.StartNew();
        var closed = TrickleUntilClosedAsync(stream, $"GET /page HTTP/1.1\r\nHost: {edgeUri.Authority}\r\n");

        var served = 0;
        while (!closed.IsCompleted && trickled.Elapsed < Patience)
        {
            Assert.Equal("served", await edge.Client.GetStringAsync("/page"));
            served++;
            await Task.WhenAny(closed, Task.Delay(50));
        }

        Assert.True(await closed, "the trickling connection was never closed");
        Assert.True(trickled.Elapsed < TimeSpan.FromSeconds(10), $"closed only after {trickled.Elapsed}");
        Assert.True(served > 0);
    }

    [Theory]
    [InlineData("/static/..%2f..%2fetc/passwd", true)]
    [InlineData("/static/%2e%2e/admin", true)]
    [InlineData("/static/%252e%252e/admin", true)]
    [InlineData("/static/a%5c..%5cb", true)]
    // Kestrel itself refuses an encoded NUL before any middleware runs.
    [InlineData("/static/file%00.txt", false)]
    public async Task Encoded_path_attacks_are_answered_400_and_never_reach_the_upstream(string target, bool loggedByTheEdge)
    {
        await using var upstream = await TestUpstream.StaticAsync("ok", "max-age=60");
        await using var edge = await TestEdge.InFrontOfAsync(upstream);
        var edgeUri = new Uri(edge.Url);

        // Raw, so no client library normalises the target first.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(edgeUri.Host, edgeUri.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: {edgeUri.Authority}\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var answer = await reader.ReadToEndAsync().WaitAsync(Patience);

        Assert.StartsWith("HTTP/1.1 400 ", answer, StringComparison.Ordinal);
        Assert.Equal(0, upstream.Requests);
        if (loggedByTheEdge)
        {
            Assert.Contains(edge.Logs.Entries, e => e.Message.Contains($"Rejected GET {target}", StringComparison.Ordinal));
        }

        Assert.Equal("ok", await edge.Client.GetStringAsync("/static/app.css"));
    }

    [Fact]
    public async Task A_client_over_its_rate_gets_429_with_Retry_After_hits_included_while_other_clients_and_paths_pass()
    {
        await using var upstream = await TestUpstream.StaticAsync("ok", "max-age=60");
        await using var edge = await TestEdge.InFrontOfAsync(
            upstream,
            ("Edge:RateLimits:0:Name", "api"),
            ("Edge:RateLimits:0:PathPrefix", "/api/"),
            ("Edge:RateLimits:0:PermitsPerSecond", "1"),
            ("Edge:RateLimits:0:Burst", "3"));

        // The first is a miss, the next two fresh hits: all within the burst.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("ok", await edge.Client.GetStringAsync("/api/items"));
        }

        using var refused = await edge.Client.GetAsync("/api/items");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 2);
        Assert.True(refused.Headers.CacheControl?.NoStore);
        Assert.Equal(1, upstream.Requests);

        // Paths outside the rule and other clients have their own allowance.
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("ok", await edge.Client.GetStringAsync("/static/app.css"));
        }

        using var other = ClientFrom(IPAddress.Parse("127.0.0.2"), edge.Url);
        Assert.Equal("ok", await other.GetStringAsync("/api/items"));

        // And the limited client is served again once it waited.
        Assert.True(await Deadline.UntilAsync(async () =>
        {
            using var again = await edge.Client.GetAsync("/api/items");
            return again.StatusCode == HttpStatusCode.OK;
        }, Patience));
        Assert.Contains(edge.Logs.Entries, e => e.Message.Contains("Rate limit api: refused 127.0.0.1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Admin_endpoints_and_PURGE_answer_only_allowed_networks_even_with_the_token_and_health_stays_open()
    {
        await using var upstream = await TestUpstream.StaticAsync("ok", "max-age=60");
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:Token", "edge-secret"), ("Edge:AdminNetworks:0", "127.0.0.2/32"));
        using var outsider = ClientFrom(IPAddress.Loopback, edge.Url);
        using var insider = ClientFrom(IPAddress.Parse("127.0.0.2"), edge.Url);
        foreach (var client in new[] { outsider, insider })
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "edge-secret");
        }

        Assert.Equal("ok", await outsider.GetStringAsync("/page"));
        using (var stats = await outsider.GetAsync("/_edge/stats"))
        using (var purge = await outsider.SendAsync(new HttpRequestMessage(new HttpMethod("PURGE"), "/page")))
        using (var health = await outsider.GetAsync("/_edge/health"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, stats.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, purge.StatusCode);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        using (var stats = await insider.GetAsync("/_edge/stats"))
        using (var purge = await insider.SendAsync(new HttpRequestMessage(new HttpMethod("PURGE"), "/page")))
        {
            Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
            Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        }

        Assert.Contains(edge.Logs.Entries, e => e.Message.Contains("from 127.0.0.1: outside Edge:AdminNetworks", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_admin_network_that_is_no_CIDR_fails_the_start_naming_it()
    {
        await using var upstream = await TestUpstream.StaticAsync("ok");

        var failure = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => TestEdge.InFrontOfAsync(upstream, ("Edge:AdminNetworks:0", "10.0.0.0/33")));

        Assert.Contains("admin network '10.0.0.0/33' is not a CIDR", failure.Message);
    }

    [Fact]
    public async Task A_method_a_route_does_not_allow_is_answered_405_with_Allow_and_never_forwarded()
    {
        await using var api = await TestUpstream.StaticAsync("api", "no-store");
        await using var site = await TestUpstream.StaticAsync("site", "no-store", "127.0.0.2");
        var config = Path.Combine(TestOrigin.NewDataFolder(), "edge.json");
        await File.WriteAllTextAsync(config, System.Text.Json.JsonSerializer.Serialize(new
        {
            Edge = new { Upstream = site.Url, AllowedMethods = new[] { "GET", "HEAD" } },
            ReverseProxy = new
            {
                Routes = new Dictionary<string, object>
                {
                    ["api"] = new { ClusterId = "api", Match = new { Path = "/api/{**rest}" }, Metadata = new Dictionary<string, string> { ["AllowedMethods"] = "GET, POST" } },
                },
                Clusters = new Dictionary<string, object> { ["api"] = new { Destinations = new { a = new { Address = api.Url } } } },
            },
        }));
        await using var edge = await TestEdge.StartAsync(new Dictionary<string, string?>(), config);

        using var deleteApi = await edge.Client.DeleteAsync("/api/items/1");
        using var postSite = await edge.Client.PostAsync("/contact", new StringContent("hi"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, deleteApi.StatusCode);
        Assert.Equal(["GET", "POST"], deleteApi.Content.Headers.Allow);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, postSite.StatusCode);
        Assert.Equal(["GET", "HEAD"], postSite.Content.Headers.Allow);
        Assert.Equal((0, 0), (api.Requests, site.Requests));

        using var postApi = await edge.Client.PostAsync("/api/items", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.OK, postApi.StatusCode);
        Assert.Equal("site", await edge.Client.GetStringAsync("/index.html"));
        Assert.Equal((1, 1), (api.Requests, site.Requests));
    }

    /// <summary>A client whose connections come from <paramref name="local"/>, a loopback address of its own.</summary>
    private static HttpClient ClientFrom(IPAddress local, string baseUrl) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = new Uri(baseUrl),
    };

    /// <summary>Sends the request line, then one header byte every 100 ms (never the blank line); true once the edge closed the connection.</summary>
    private static async Task<bool> TrickleUntilClosedAsync(NetworkStream stream, string start)
    {
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(start));
            var header = Encoding.ASCII.GetBytes("X-Slow: " + new string('s', 1000));
            var reading = ReadUntilClosedAsync(stream);
            for (var i = 0; i < header.Length && !reading.IsCompleted; i++)
            {
                await stream.WriteAsync(header.AsMemory(i, 1));
                await Task.WhenAny(reading, Task.Delay(100));
            }

            return await reading.WaitAsync(Patience);
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static async Task<bool> ReadUntilClosedAsync(NetworkStream stream)
    {
        var buffer = new byte[4096];
        try
        {
            // Kestrel may answer 408 before it closes; either way the connection ends.
            while (await stream.ReadAsync(buffer) > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
    }
}
