using System.Net;
using System.Text;
using EdgeCache.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.IntegrationTests;

public sealed class CachingTests
{
    [Fact]
    public async Task Second_get_is_a_hit_and_the_upstream_sees_one_request()
    {
        await using var upstream = await TestUpstream.StaticAsync("hello from upstream");
        await using var edge = await TestEdge.InFrontOfAsync(upstream);

        using var first = await edge.Client.GetAsync("/page");
        using var second = await edge.Client.GetAsync("/page");

        Assert.Equal("hello from upstream", await first.Content.ReadAsStringAsync());
        Assert.Equal("hello from upstream", await second.Content.ReadAsStringAsync());
        Assert.Equal("EdgeCache; fwd=uri-miss; fwd-status=200; stored", Assert.Single(first.Headers.GetValues("Cache-Status")));
        Assert.StartsWith("EdgeCache; hit; ttl=", Assert.Single(second.Headers.GetValues("Cache-Status")));
        Assert.NotNull(second.Headers.Age);
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task Head_after_get_is_a_hit_without_body()
    {
        await using var upstream = await TestUpstream.StaticAsync("twelve bytes");
        await using var edge = await TestEdge.InFrontOfAsync(upstream);

        (await edge.Client.GetAsync("/h")).Dispose();
        using var head = await edge.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/h"));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(12, head.Content.Headers.ContentLength);
        Assert.StartsWith("EdgeCache; hit", Assert.Single(head.Headers.GetValues("Cache-Status")));
        Assert.Equal(1, upstream.Requests);
    }

    [Theory]
    [InlineData("no-store")]
    [InlineData("private, max-age=60")]
    [InlineData("max-age=0")]
    public async Task Responses_a_shared_cache_must_not_reuse_go_upstream_every_time(string cacheControl)
    {
        await using var upstream = await TestUpstream.StaticAsync("personal", cacheControl);
        await using var edge = await TestEdge.InFrontOfAsync(upstream);

        (await edge.Client.GetAsync("/me")).Dispose();
        using var second = await edge.Client.GetAsync("/me");

        Assert.Equal("personal", await second.Content.ReadAsStringAsync());
        Assert.DoesNotContain("hit", Assert.Single(second.Headers.GetValues("Cache-Status")), StringComparison.Ordinal);
        Assert.Equal(2, upstream.Requests);
    }

    [Fact]
    public async Task Request_with_authorization_is_not_stored_unless_the_response_allows_it()
    {
        await using var upstream = await TestUpstream.StartAsync(context =>
        {
            context.Response.Headers.CacheControl = context.Request.Path == "/shared" ? "s-maxage=60" : "max-age=60";
            return context.Response.WriteAsync("secret for " + context.Request.Headers.Authorization);
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream);

        foreach (var path in new[] { "/account", "/account", "/shared", "/shared" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new("Bearer", "alice");
            (await edge.Client.SendAsync(request)).Dispose();
        }

        // /account twice upstream (max-age alone does not allow sharing an authorized response), /shared once.
        Assert.Equal(3, upstream.Requests);
    }

    [Fact]
    public async Task Heuristic_freshness_from_last_modified_makes_a_hit()
    {
        await using var upstream = await TestUpstream.StartAsync(context =>
        {
            context.Response.Headers.LastModified = DateTimeOffset.UtcNow.AddHours(-10).ToString("r");
            return context.Response.WriteAsync("old file");
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream);

        (await edge.Client.GetAsync("/old")).Dispose();
        using var second = await edge.Client.GetAsync("/old");

        // 10% of 10 hours is one hour of freshness.
        var status = Assert.Single(second.Headers.GetValues("Cache-Status"));
        Assert.StartsWith("EdgeCache; hit; ttl=", status);
        Assert.InRange(int.Parse(status["EdgeCache; hit; ttl=".Length..], System.Globalization.CultureInfo.InvariantCulture), 3500, 3600);
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task Hundred_concurrent_misses_make_one_upstream_request_and_stream_before_it_completes()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tail = new string('x', 64 * 1024);
        await using var upstream = await TestUpstream.StartAsync(async context =>
        {
            context.Response.Headers.CacheControl = "max-age=60";
            await context.Response.WriteAsync("first part|");
            await context.Response.Body.FlushAsync();
            await gate.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await context.Response.WriteAsync(tail);
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream);

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ =>
            edge.Client.GetAsync("/popular", HttpCompletionOption.ResponseHeadersRead)))
            .WaitAsync(TimeSpan.FromSeconds(30));

        // Every client has its response under way while the upstream has not finished.
        Assert.False(gate.Task.IsCompleted);
        Assert.Equal(1, upstream.Requests);

        gate.SetResult();
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        Assert.All(bodies, body => Assert.Equal("first part|" + tail, body));
        Assert.Equal(99, responses.Count(r => r.Headers.GetValues("Cache-Status").Single().EndsWith("; collapsed", StringComparison.Ordinal)));
        Assert.Equal(1, upstream.Requests);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Concurrent_misses_for_a_personal_response_each_get_their_own()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await TestUpstream.StartAsync(async context =>
        {
            context.Response.Headers.CacheControl = "private";
            await context.Response.WriteAsync("for " + context.Request.Headers["X-User"]);
            await gate.Task.WaitAsync(TimeSpan.FromSeconds(30));
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream);

        var requests = Enumerable.Range(0, 5).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/inbox");
            request.Headers.Add("X-User", "user" + i);
            var response = await edge.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            return (i, response);
        }).ToArray();
        Assert.True(await Deadline.UntilAsync(() => Task.FromResult(upstream.Requests >= 1), TimeSpan.FromSeconds(10)));
        gate.SetResult();

        foreach (var (i, response) in await Task.WhenAll(requests))
        {
            Assert.Equal("for user" + i, await response.Content.ReadAsStringAsync());
            response.Dispose();
        }

        Assert.Equal(5, upstream.Requests);
    }

    [Fact]
    public async Task A_url_that_was_personal_is_cached_as_soon_as_its_response_is_shareable()
    {
        var calls = 0;
        await using var upstream = await TestUpstream.StartAsync(context =>
        {
            context.Response.Headers.CacheControl = Interlocked.Increment(ref calls) == 1 ? "private" : "max-age=60";
            return context.Response.WriteAsync("call " + Volatile.Read(ref calls));
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream);

        Assert.Equal("call 1", await edge.Client.GetStringAsync("/mixed"));
        Assert.Equal("call 2", await edge.Client.GetStringAsync("/mixed"));
        using var third = await edge.Client.GetAsync("/mixed");

        Assert.Equal("call 2", await third.Content.ReadAsStringAsync());
        Assert.StartsWith("EdgeCache; hit", Assert.Single(third.Headers.GetValues("Cache-Status")));
    }

    [Theory]
    [InlineData(true, "Edge:CacheSize", "64KB")]
    [InlineData(false, "Edge:CacheSize", "64KB")]
    [InlineData(true, "Edge:MaxObjectSize", "100KB")]
    [InlineData(false, "Edge:MaxObjectSize", "100KB")]
    public async Task Response_larger_than_the_cache_budget_or_the_object_limit_is_served_but_not_stored(bool withContentLength, string setting, string size)
    {
        var body = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 20_000).Select(i => (i % 10).ToString())));
        await using var upstream = await TestUpstream.StartAsync(async context =>
        {
            context.Response.Headers.CacheControl = "max-age=60";
            if (withContentLength)
            {
                context.Response.ContentLength = body.Length * 10;
            }

            for (var i = 0; i < 10; i++)
            {
                await context.Response.Body.WriteAsync(body);
            }
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream, (setting, size));

        for (var round = 0; round < 2; round++)
        {
            var received = await edge.Client.GetByteArrayAsync("/big");
            Assert.Equal(body.Length * 10, received.Length);
            Assert.True(received.AsSpan(0, body.Length).SequenceEqual(body));
            Assert.True(received.AsSpan(received.Length - body.Length).SequenceEqual(body));
        }

        Assert.Equal(2, upstream.Requests);
        var stats = await edge.StatsAsync();
        Assert.Equal(0, stats.GetProperty("entries").GetInt64());
        Assert.Equal(0, stats.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task Eviction_keeps_the_byte_budget_under_concurrent_load()
    {
        const long budget = 256 * 1024;
        await using var upstream = await TestUpstream.StartAsync(context =>
        {
            context.Response.Headers.CacheControl = "max-age=600";
            return context.Response.WriteAsync(context.Request.Path + new string('.', 4000));
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:CacheSize", budget.ToString()));

        var overBudget = 0;
        var done = false;
        var watcher = Task.Run(async () =>
        {
            while (!Volatile.Read(ref done))
            {
                var stats = await edge.StatsAsync();
                if (stats.GetProperty("bytes").GetInt64() > budget)
                {
                    Interlocked.Increment(ref overBudget);
                }
            }
        });

        var workers = Enumerable.Range(0, 8).Select(async worker =>
        {
            for (var i = 0; i < 100; i++)
            {
                // Each path twice in a row: the second is a hit unless eviction already took it.
                var path = $"/w{worker}/item{i / 2}";
                var text = await edge.Client.GetStringAsync(path);
                Assert.StartsWith(path + "....", text);
            }
        });
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(120));
        Volatile.Write(ref done, true);
        await watcher;

        var final = await edge.StatsAsync();
        Assert.Equal(0, overBudget);
        Assert.InRange(final.GetProperty("bytes").GetInt64(), 1, budget);
        Assert.True(final.GetProperty("evictions").GetInt64() > 0);
        Assert.True(final.GetProperty("hits").GetInt64() > 0);
        Assert.True(final.GetProperty("entries").GetInt64() < 400);
    }

    [Fact]
    public async Task A_successful_post_invalidates_the_stored_get()
    {
        var version = 1;
        await using var upstream = await TestUpstream.StartAsync(context =>
        {
            if (HttpMethods.IsPost(context.Request.Method))
            {
                Interlocked.Increment(ref version);
                return Task.CompletedTask;
            }

            context.Response.Headers.CacheControl = "max-age=600";
            return context.Response.WriteAsync("v" + Volatile.Read(ref version));
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream);

        Assert.Equal("v1", await edge.Client.GetStringAsync("/doc"));
        Assert.Equal("v1", await edge.Client.GetStringAsync("/doc"));
        (await edge.Client.PostAsync("/doc", new StringContent("edit"))).Dispose();

        Assert.Equal("v2", await edge.Client.GetStringAsync("/doc"));
    }
}
