using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeCache.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.IntegrationTests;

/// <summary>Interim 1xx responses (RFC 9110 section 15.2) never confuse the cache or the client.</summary>
public sealed class InterimResponseTests
{
    [Fact]
    public async Task A_post_with_Expect_100_continue_reaches_the_upstream_with_its_body()
    {
        await using var upstream = await TestUpstream.StartAsync(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            context.Response.StatusCode = StatusCodes.Status201Created;
            await context.Response.WriteAsync("got " + body);
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new StringContent("payload") };
        request.Headers.ExpectContinue = true;
        using var response = await edge.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("got payload", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_upstream_103_before_the_final_response_is_skipped_and_the_200_is_stored()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var served = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var serving = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(stop.Token);
                var stream = client.GetStream();
                var buffer = new byte[4096];
                var request = new StringBuilder();
                while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await stream.ReadAsync(buffer, stop.Token);
                    if (read == 0)
                    {
                        break;
                    }

                    request.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }

                Interlocked.Increment(ref served);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(
                    "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" +
                    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nCache-Control: max-age=60\r\nConnection: close\r\n\r\nhello"), stop.Token);
            }
        });

        await using var edge = await TestEdge.StartAsync(new Dictionary<string, string?> { ["Edge:Upstream"] = $"http://127.0.0.1:{port}" });
        using var first = await edge.Client.GetAsync("/hinted");
        using var second = await edge.Client.GetAsync("/hinted");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("hello", await first.Content.ReadAsStringAsync());
        Assert.Equal("hello", await second.Content.ReadAsStringAsync());
        Assert.StartsWith("EdgeCache; hit", Assert.Single(second.Headers.GetValues("Cache-Status")), StringComparison.Ordinal);
        Assert.Equal(1, Volatile.Read(ref served));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => serving);
    }
}
