using EdgeCache.Cli.Demo;
using Microsoft.Extensions.Logging;

namespace EdgeCache.Cli.Tests.Demo;

public sealed class DemoLogTests
{
    [Fact]
    public void Keeps_the_last_warnings_and_errors_of_each_server_one_line_each()
    {
        var log = new DemoLog(capacity: 3);
        var origin = log.ProviderFor("origin").CreateLogger("Any.Category");
        var edge = log.ProviderFor("eu-west-1").CreateLogger("Any.Category");

        origin.LogInformation("not kept");
        origin.LogWarning("first");
        edge.LogError(new InvalidOperationException("the cause"), "second\nline");
        edge.LogWarning("third");
        origin.LogCritical("fourth");

        Assert.Equal(["eu-west-1: error: second line: the cause", "eu-west-1: third", "origin: error: fourth"], log.Latest(10));
        Assert.Equal(["eu-west-1: third", "origin: error: fourth"], log.Latest(2));
        // Numbers go on counting past what was dropped, so a reader never sees an entry twice.
        Assert.Equal([2L, 3L, 4L], log.After(0).Select(entry => entry.Number));
        Assert.Equal([4L], log.After(3).Select(entry => entry.Number));
        Assert.Empty(log.After(4));
    }

    [Fact]
    public async Task Takes_messages_from_many_threads_at_once()
    {
        var log = new DemoLog(capacity: 1000);
        var logger = log.ProviderFor("edge").CreateLogger("Any.Category");

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                logger.LogWarning("warning {Thread}.{Index}", t, i);
            }
        })));

        var entries = log.After(0);
        Assert.Equal(800, entries.Count);
        Assert.Equal(Enumerable.Range(1, 800).Select(n => (long)n), entries.Select(entry => entry.Number));
    }
}
