using System.Net.Sockets;
using System.Text;
using EdgeCache.IntegrationTests.Infrastructure;

namespace EdgeCache.IntegrationTests;

public sealed class SpoonFeedingTests
{
    [Fact]
    public async Task A_client_reading_1_KiB_per_second_does_not_keep_the_upstream_busy()
    {
        // Larger than every socket buffer between upstream, edge and client can absorb, so
        // without spoon feeding the upstream would stall on the slow client.
        const int size = 48 * 1024 * 1024;
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)'s');
        var upstreamDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await TestUpstream.StartAsync(async context =>
        {
            context.Response.Headers.CacheControl = "max-age=60";
            context.Response.ContentLength = size;
            for (var sent = 0; sent < size; sent += chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }

            await context.Response.CompleteAsync();
            upstreamDone.TrySetResult();
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:MaxObjectSize", "64MB"));

        using var client = new TcpClient { ReceiveBufferSize = 4096 };
        var edgeUri = new Uri(edge.Url);
        await client.ConnectAsync(edgeUri.Host, edgeUri.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /big HTTP/1.1\r\nHost: {edgeUri.Authority}\r\n\r\n"));

        long read = 0;
        using var stopReading = new CancellationTokenSource();
        var slowReader = Task.Run(async () =>
        {
            var buffer = new byte[1024];
            using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1));
            for (var second = 0; second < 60 && await tick.WaitForNextTickAsync(stopReading.Token); second++)
            {
                var n = await stream.ReadAsync(buffer, stopReading.Token);
                if (n == 0)
                {
                    break;
                }

                Interlocked.Add(ref read, n);
            }
        });

        await upstreamDone.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(Interlocked.Read(ref read) < 64 * 1024, $"the client had read {Interlocked.Read(ref read)} bytes");
        await stopReading.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slowReader);
    }
}
