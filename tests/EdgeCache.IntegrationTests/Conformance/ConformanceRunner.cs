using System.Collections.Concurrent;
using System.Text;
using EdgeCache.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeCache.IntegrationTests.Conformance;

/// <summary>A client response as a case's expectations see it.</summary>
public sealed class Response
{
    private readonly Dictionary<string, string> _headers;
    private readonly Placeholders _placeholders;

    internal Response(HttpResponseMessage message, byte[] body, Placeholders placeholders)
    {
        Status = (int)message.StatusCode;
        Body = body;
        _placeholders = placeholders;
        _headers = new(StringComparer.OrdinalIgnoreCase);
        foreach (var header in message.Headers.NonValidated.Concat(message.Content.Headers.NonValidated))
        {
            var joined = string.Join(", ", header.Value);
            _headers[header.Key] = _headers.TryGetValue(header.Key, out var before) ? before + ", " + joined : joined;
        }
    }

    public int Status { get; }

    public byte[] Body { get; }

    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>The header's field lines joined with ", ", or null when absent.</summary>
    public string? Header(string name) => _headers.TryGetValue(name, out var value) ? value : null;

    public string Resolve(string value) => _placeholders.Resolve(value);

    /// <summary>
    /// The parameters of the edge's (last) member of Cache-Status, e.g. {hit: "", ttl: "50"}; null when the
    /// header has no member named EdgeCache. Cache-Status is a structured list (RFC 9211 section 2).
    /// </summary>
    public Dictionary<string, string>? EdgeCacheStatus()
    {
        if (Header("Cache-Status") is not { } value)
        {
            return null;
        }

        var member = value.Split(',').Select(m => m.Trim()).LastOrDefault(m => m.Split(';')[0].Trim() == "EdgeCache");
        if (member is null)
        {
            return null;
        }

        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var parameter in member.Split(';').Skip(1))
        {
            var pair = parameter.Trim().Split('=', 2);
            parameters[pair[0]] = pair.Length == 2 ? pair[1].Trim('"') : string.Empty;
        }

        return parameters;
    }
}

/// <summary>Runs one <see cref="ConformanceCase"/> against a real edge and a real scripted upstream.</summary>
public static class ConformanceRunner
{
    private static readonly string[] ContentHeaders =
        ["Content-Type", "Content-Length", "Content-Range", "Content-Encoding", "Content-Language", "Content-Location", "Expires", "Last-Modified"];

    public static async Task RunAsync(ConformanceCase testCase)
    {
        ArgumentNullException.ThrowIfNull(testCase);
        var clock = new ManualClock();
        var placeholders = new Placeholders(clock);
        var seen = new ConcurrentQueue<UpstreamRequest>();
        var number = 0;
        // Replies marked Hold wait while a burst step (Concurrently) is under way, so the burst
        // proves it was answered without waiting for them; at any other time the gate is open.
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        held.SetResult();

        var upstream = await TestUpstream.StartAsync(async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var request = new UpstreamRequest(
                Interlocked.Increment(ref number),
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase)),
                buffer.ToArray(),
                placeholders);
            seen.Enqueue(request);
            var reply = testCase.Script(request);
            if (reply.Hold)
            {
                await Task.WhenAny(Volatile.Read(ref held).Task, Task.Delay(TimeSpan.FromSeconds(20)));
            }

            await WriteAsync(context, request, reply, clock, placeholders);
        });
        var upstreamStopped = false;
        try
        {
            await using var edge = await TestEdge.InFrontOfAsync(upstream, clock, [.. testCase.Settings]);
            placeholders.EdgeUrl = edge.Url;
            using var client = new HttpClient(new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                Expect100ContinueTimeout = TimeSpan.FromSeconds(5),
            })
            {
                BaseAddress = new Uri(edge.Url),
                Timeout = TimeSpan.FromSeconds(30),
            };

            for (var index = 0; index < testCase.Steps.Count; index++)
            {
                var step = testCase.Steps[index];
                clock.Advance(step.AdvanceBefore);
                if (step.StopUpstreamBefore && !upstreamStopped)
                {
                    upstreamStopped = true;
                    await upstream.DisposeAsync();
                }

                var before = seen.Count;
                var failures = new List<string>();
                if (step.Concurrency > 1)
                {
                    Volatile.Write(ref held, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                }

                var responses = await SendStepAsync(client, step, placeholders, failures);
                Volatile.Read(ref held).TrySetResult();

                if (step.EventuallyTotal is { } expectedTotal)
                {
                    await Deadline.UntilAsync(() => Task.FromResult(seen.Count >= expectedTotal), TimeSpan.FromSeconds(10));
                }

                foreach (var response in responses)
                {
                    foreach (var (description, check) in step.ResponseChecks)
                    {
                        if (check(response) is { } why)
                        {
                            failures.Add($"expected {description}: {why}");
                        }
                    }
                }

                var view = new UpstreamView([.. seen.OrderBy(r => r.Number).Skip(before)], seen.Count);
                foreach (var (description, check) in step.UpstreamChecks)
                {
                    if (check(view) is { } why)
                    {
                        failures.Add($"expected {description}: {why}");
                    }
                }

                if (failures.Count > 0)
                {
                    Assert.Fail(
                        $"{testCase.Name}\nstep {index + 1} ({placeholders.Resolve(step.ToString())}) after +{step.AdvanceBefore.TotalSeconds}s:\n  "
                        + string.Join("\n  ", failures.Distinct())
                        + "\nupstream saw:\n  " + string.Join("\n  ", seen.OrderBy(r => r.Number).Select(Describe)));
                }
            }
        }
        finally
        {
            Volatile.Read(ref held).TrySetResult();
            if (!upstreamStopped)
            {
                await upstream.DisposeAsync();
            }
        }
    }

    private static async Task<List<Response>> SendStepAsync(HttpClient client, Step step, Placeholders placeholders, List<string> failures)
    {
        if (step.RetryUntilBody is { } wanted)
        {
            Response? last = null;
            await Deadline.UntilAsync(
                async () =>
                {
                    last = await SendAsync(client, step, placeholders);
                    return last.BodyText == wanted;
                },
                TimeSpan.FromSeconds(10));
            return [last!];
        }

        var sends = Enumerable.Range(0, step.Concurrency).Select(_ => SendAsync(client, step, placeholders)).ToArray();
        var all = Task.WhenAll(sends);
        if (step.Concurrency > 1 && await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(5))) != all)
        {
            failures.Add("expected the requests to be answered without waiting for the (held) upstream reply: they were not answered within 5 s");
        }

        return [.. await all];
    }

    private static async Task<Response> SendAsync(HttpClient client, Step step, Placeholders placeholders)
    {
        using var request = new HttpRequestMessage(new HttpMethod(step.Method), step.Path);
        if (step.Body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(step.Body));
        }

        foreach (var (name, raw) in step.Headers)
        {
            var value = placeholders.Resolve(raw);
            if (name.Equals("Expect", StringComparison.OrdinalIgnoreCase) && value.Equals("100-continue", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.ExpectContinue = true;
            }
            else if (ContentHeaders.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                request.Content ??= new ByteArrayContent([]);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
            else if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                throw new InvalidOperationException($"cannot send header {name}: {value}");
            }
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        return new Response(response, body, placeholders);
    }

    private static async Task WriteAsync(HttpContext context, UpstreamRequest request, Reply reply, ManualClock clock, Placeholders placeholders)
    {
        if (reply.Abort)
        {
            context.Abort();
            return;
        }

        var response = context.Response;
        response.StatusCode = reply.Status;
        foreach (var (name, value) in reply.Headers)
        {
            response.Headers.Append(name, placeholders.Resolve(value));
        }

        if (!response.Headers.ContainsKey("Date"))
        {
            response.Headers.Date = clock.HttpDate();
        }

        var mayHaveBody = reply.Status is not (204 or 304) and >= 200;
        if (!mayHaveBody)
        {
            return;
        }

        var body = reply.BodyBytes ?? Encoding.UTF8.GetBytes(reply.Body ?? $"response {request.Number}");
        if (!response.Headers.ContainsKey("Content-Length"))
        {
            response.ContentLength = body.Length;
        }

        if (!HttpMethods.IsHead(request.Method))
        {
            await response.Body.WriteAsync(body);
        }
    }

    private static string Describe(UpstreamRequest r)
    {
        var interesting = new[] { "If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "If-Range", "Range", "Cache-Control", "Accept-Encoding", "Accept-Language" };
        var headers = interesting.Where(r.Has).Select(h => $" [{h}: {r.Header(h)}]");
        return $"#{r.Number} {r.Method} {r.Target}{string.Concat(headers)}";
    }
}
