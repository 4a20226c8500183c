using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeCache.IntegrationTests.Infrastructure;

namespace EdgeCache.IntegrationTests;

/// <summary>The real <c>edgecache origin</c> process killed with SIGKILL in the middle of publishing.</summary>
public sealed class OriginCrashTests
{
    [Fact]
    public async Task Every_acknowledged_publish_survives_kill_9_and_seqs_stay_gapless()
    {
        var data = TestOrigin.NewDataFolder();
        var acknowledged = new ConcurrentDictionary<string, long>();

        using (var process = StartOrigin(data, out var url))
        using (var client = AdminClient(await url))
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var publishers = Enumerable.Range(0, 4).Select(publisher => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var path = $"/p{publisher}/{i}";
                    try
                    {
                        using var response = await client.PutAsync("/_admin/content" + path, new StringContent(path), stop.Token);
                        if (response.IsSuccessStatusCode)
                        {
                            acknowledged[path] = (await response.Content.ReadFromJsonAsync<JsonElement>(stop.Token)).GetProperty("seq").GetInt64();
                        }
                    }
                    catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or IOException)
                    {
                        return;
                    }
                }
            })).ToArray();

            Assert.True(await Deadline.UntilAsync(() => Task.FromResult(acknowledged.Count >= 300), TimeSpan.FromSeconds(60)));
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            await stop.CancelAsync();
            await Task.WhenAll(publishers);
        }

        using (var process = StartOrigin(data, out var url))
        using (var client = AdminClient(await url))
        {
            try
            {
                var changes = await client.GetFromJsonAsync<JsonElement>("/_admin/changes?after=0&limit=10000");
                var entries = changes.GetProperty("entries").EnumerateArray().ToArray();
                var head = changes.GetProperty("head").GetInt64();

                Assert.Equal(Enumerable.Range(1, (int)head).Select(n => (long)n), entries.Select(e => e.GetProperty("seq").GetInt64()));
                var logged = entries.ToDictionary(e => e.GetProperty("seq").GetInt64(), e => e.GetProperty("path").GetString());
                foreach (var (path, seq) in acknowledged)
                {
                    Assert.Equal(path, logged[seq]);
                    Assert.Equal(path, await client.GetStringAsync(path));
                }
            }
            finally
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
    }

    private static HttpClient AdminClient(string url)
    {
        var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestOrigin.Token);
        return client;
    }

    private static Process StartOrigin(string data, out Task<string> url)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "edgecache.dll"), "origin", "--listen", "http://127.0.0.1:0", "--data", data },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["EDGECACHE_TOKEN"] = TestOrigin.Token;
        var process = Process.Start(start)!;
        url = ReadUrlAsync(process);
        return process;
    }

    private static async Task<string> ReadUrlAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("origin listening on ", StringComparison.Ordinal))
            {
                // Keep reading both streams so the origin's logging never blocks on a full pipe.
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
                return line["origin listening on ".Length..];
            }
        }

        throw new InvalidOperationException("the origin exited before listening: " + await process.StandardError.ReadToEndAsync());
    }
}
