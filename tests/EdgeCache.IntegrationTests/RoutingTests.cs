using System.Net;
using System.Text.Json;
using EdgeCache.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.IntegrationTests;

public sealed class RoutingTests
{
    [Fact]
    public async Task One_public_host_routes_paths_to_three_upstreams_with_one_cookie_jar()
    {
        await using var app = await TestUpstream.StartAsync(async context =>
        {
            if (context.Request.Path == "/app/login")
            {
                // The application server names itself in the cookie domain and in redirects.
                context.Response.Headers.SetCookie = $"session=abc; Domain={context.Request.Host.Host}; Path=/; HttpOnly";
                context.Response.Redirect($"http://{context.Request.Host}/app/home");
                return;
            }

            await context.Response.WriteAsync("app:" + context.Request.Path);
        }, "127.0.0.2");
        await using var files = await TestUpstream.StartAsync(async context =>
        {
            context.Response.Headers.SetCookie = "files=1; Path=/";
            await context.Response.WriteAsync("file:" + context.Request.Path);
        }, "127.0.0.3");
        await using var site = await TestUpstream.StartAsync(
            context => context.Response.WriteAsync("site cookies=" + context.Request.Headers.Cookie), "127.0.0.4");

        var config = await WriteConfigAsync(new
        {
            Edge = new { Upstream = site.Url },
            ReverseProxy = new
            {
                Routes = new Dictionary<string, object>
                {
                    ["app"] = new { ClusterId = "app", Match = new { Path = "/app/{**rest}" } },
                    ["files"] = new { ClusterId = "files", Match = new { Path = "/files/{**rest}" } },
                },
                Clusters = new Dictionary<string, object>
                {
                    ["app"] = new { Destinations = new { a = new { Address = app.Url } } },
                    ["files"] = new { Destinations = new { f = new { Address = files.Url } } },
                },
            },
        });
        await using var edge = await TestEdge.StartAsync(new Dictionary<string, string?>(), config);

        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(edge.Url),
        };

        using var login = await browser.GetAsync("/app/login");
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal(new Uri(edge.Url + "/app/home"), login.Headers.Location);

        Assert.Equal("app:/app/home", await browser.GetStringAsync("/app/home"));
        Assert.Equal("file:/files/report.pdf", await browser.GetStringAsync("/files/report.pdf"));
        var fromSite = await browser.GetStringAsync("/index.html");

        Assert.StartsWith("site cookies=", fromSite);
        Assert.Contains("session=abc", fromSite);
        Assert.Contains("files=1", fromSite);
        Assert.Equal(1, app.Requests - 1);
        Assert.Equal(1, files.Requests);
    }

    [Fact]
    public async Task Routes_match_on_host()
    {
        await using var images = await TestUpstream.StartAsync(context => context.Response.WriteAsync("images"));
        await using var site = await TestUpstream.StartAsync(context => context.Response.WriteAsync("site"));
        var config = await WriteConfigAsync(new
        {
            Edge = new { Upstream = site.Url },
            ReverseProxy = new
            {
                Routes = new Dictionary<string, object>
                {
                    ["images"] = new { ClusterId = "images", Match = new { Hosts = new[] { "img.example.test" }, Path = "/{**any}" } },
                },
                Clusters = new Dictionary<string, object>
                {
                    ["images"] = new { Destinations = new { i = new { Address = images.Url } } },
                },
            },
        });
        await using var edge = await TestEdge.StartAsync(new Dictionary<string, string?>(), config);

        using var byHost = new HttpRequestMessage(HttpMethod.Get, "/logo.png");
        byHost.Headers.Host = "img.example.test";
        using var response = await edge.Client.SendAsync(byHost);

        Assert.Equal("images", await response.Content.ReadAsStringAsync());
        Assert.Equal("site", await edge.Client.GetStringAsync("/logo.png"));
    }

    [Fact]
    public async Task Back_end_identity_is_hidden_and_forwarding_headers_are_sent()
    {
        await using var upstream = await TestUpstream.StartAsync(context =>
        {
            context.Response.Headers.Server = "Apache/2.4.1 (Unix)";
            context.Response.Headers["X-Powered-By"] = "PHP/5.2";
            context.Response.Headers["X-AspNet-Version"] = "4.0.30319";
            context.Response.Headers["X-Backend"] = "db-7";
            return context.Response.WriteAsync("ok");
        });
        await using var edge = await TestEdge.InFrontOfAsync(upstream, ("Edge:HiddenResponseHeaders:0", "X-Backend"));

        using var response = await edge.Client.GetAsync("/who");

        Assert.False(response.Headers.Contains("Server"));
        Assert.False(response.Headers.Contains("X-Powered-By"));
        Assert.False(response.Headers.Contains("X-AspNet-Version"));
        Assert.False(response.Headers.Contains("X-Backend"));
        Assert.Contains("1.1 EdgeCache", response.Headers.Via.Select(v => v.ToString()));

        var seen = Assert.Single(upstream.SeenHeaders);
        Assert.Equal("127.0.0.1", seen["X-Forwarded-For"].ToString());
        Assert.Equal("http", seen["X-Forwarded-Proto"].ToString());
        Assert.Equal(new Uri(edge.Url).Authority, seen["X-Forwarded-Host"].ToString());
        Assert.Contains("EdgeCache", seen["Via"].ToString());
    }

    [Fact]
    public async Task Load_balancing_spreads_requests_and_active_health_checks_take_a_dead_destination_out()
    {
        await using var one = await TestUpstream.StartAsync(context => context.Response.WriteAsync("one"));
        await using var two = await TestUpstream.StartAsync(context => context.Response.WriteAsync("two"));
        var dead = $"http://127.0.0.1:{Deadline.ClosedPort()}";
        var config = await WriteConfigAsync(new
        {
            ReverseProxy = new
            {
                Routes = new Dictionary<string, object>
                {
                    ["all"] = new { ClusterId = "pool", Match = new { Path = "/{**any}" } },
                },
                Clusters = new Dictionary<string, object>
                {
                    ["pool"] = new
                    {
                        LoadBalancingPolicy = "RoundRobin",
                        HealthCheck = new { Active = new { Enabled = true, Interval = "00:00:01", Timeout = "00:00:01", Policy = "ConsecutiveFailures", Path = "/" } },
                        Metadata = new Dictionary<string, string> { ["ConsecutiveFailuresHealthPolicy.Threshold"] = "1" },
                        Destinations = new Dictionary<string, object>
                        {
                            ["one"] = new { Address = one.Url },
                            ["two"] = new { Address = two.Url },
                            ["dead"] = new { Address = dead },
                        },
                    },
                },
            },
        });
        await using var edge = await TestEdge.StartAsync(new Dictionary<string, string?>(), config);

        // POSTs are never cached, so each one reaches a destination.
        async Task<bool> TwentyInARowSucceed()
        {
            for (var i = 0; i < 20; i++)
            {
                using var response = await edge.Client.PostAsync("/work", null);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    return false;
                }
            }

            return true;
        }

        Assert.True(await Deadline.UntilAsync(TwentyInARowSucceed, TimeSpan.FromSeconds(20)));
        var before = (one.Requests, two.Requests);
        Assert.True(await TwentyInARowSucceed());
        Assert.True(one.Requests - before.Item1 >= 5, $"one got {one.Requests - before.Item1} of 20");
        Assert.True(two.Requests - before.Item2 >= 5, $"two got {two.Requests - before.Item2} of 20");
    }

    [Fact]
    public async Task Passive_health_checks_take_a_destination_that_fails_requests_out_of_rotation()
    {
        await using var alive = await TestUpstream.StartAsync(context => context.Response.WriteAsync("alive"));
        var dead = $"http://127.0.0.1:{Deadline.ClosedPort()}";
        var config = await WriteConfigAsync(new
        {
            ReverseProxy = new
            {
                Routes = new Dictionary<string, object> { ["all"] = new { ClusterId = "pool", Match = new { Path = "/{**any}" } } },
                Clusters = new Dictionary<string, object>
                {
                    ["pool"] = new
                    {
                        LoadBalancingPolicy = "RoundRobin",
                        // No active probe: only the failures of real requests can take "dead" out.
                        HealthCheck = new { Passive = new { Enabled = true, Policy = "TransportFailureRate", ReactivationPeriod = "00:05:00" } },
                        Destinations = new Dictionary<string, object> { ["alive"] = new { Address = alive.Url }, ["dead"] = new { Address = dead } },
                    },
                },
            },
        });
        await using var edge = await TestEdge.StartAsync(new Dictionary<string, string?>(), config);

        var failed = 0;
        async Task<bool> FiftyInARowSucceed()
        {
            for (var i = 0; i < 50; i++)
            {
                using var response = await edge.Client.PostAsync("/work", null);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failed++;
                    return false;
                }
            }

            return true;
        }

        Assert.True(await Deadline.UntilAsync(FiftyInARowSucceed, TimeSpan.FromSeconds(30)), $"{failed} failures and still no run of 50 successes");
        Assert.True(failed > 0, "the dead destination was never tried, so nothing was tested");
    }

    [Fact]
    public async Task A_destination_added_by_editing_the_config_under_load_serves_traffic_with_no_failed_request()
    {
        await using var one = await TestUpstream.StartAsync(context => context.Response.WriteAsync("one"));
        await using var two = await TestUpstream.StartAsync(context => context.Response.WriteAsync("two"), "127.0.0.2");
        object Config(params (string Name, string Url)[] destinations) => new
        {
            ReverseProxy = new
            {
                Routes = new Dictionary<string, object> { ["all"] = new { ClusterId = "pool", Match = new { Path = "/{**any}" } } },
                Clusters = new Dictionary<string, object>
                {
                    ["pool"] = new { LoadBalancingPolicy = "RoundRobin", Destinations = destinations.ToDictionary(d => d.Name, d => (object)new { Address = d.Url }) },
                },
            },
        };
        var config = await WriteConfigAsync(Config(("one", one.Url)));
        await using var edge = await TestEdge.StartAsync(new Dictionary<string, string?>(), config);

        // POSTs are never cached: every one of them is forwarded while the configuration changes.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var failures = new List<string>();
        var sent = 0;
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && sent < 20_000)
            {
                using var response = await edge.Client.PostAsync("/work", null, CancellationToken.None);
                sent++;
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    // Only this task writes the list; it is read after the task ended.
                    failures.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        });

        Assert.True(await Deadline.UntilAsync(() => Task.FromResult(one.Requests > 50), TimeSpan.FromSeconds(20)));
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(Config(("one", one.Url), ("two", two.Url))));

        var reached = await Deadline.UntilAsync(() => Task.FromResult(two.Requests > 50), TimeSpan.FromSeconds(20));
        await stop.CancelAsync();
        await load;

        Assert.True(reached, "the added destination got no traffic");
        Assert.Empty(failures);
        Assert.True(sent > 100, $"only {sent} requests were sent");
    }

    private static async Task<string> WriteConfigAsync(object config)
    {
        var path = Path.Combine(Path.GetTempPath(), $"edgecache-test-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(config));
        return path;
    }
}
