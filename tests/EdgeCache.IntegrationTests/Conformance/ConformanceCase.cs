using System.Globalization;
using Xunit.Abstractions;

namespace EdgeCache.IntegrationTests.Conformance;

/// <summary>
/// One rule of HTTP caching checked end to end: a scripted upstream, an edge in front of it sharing
/// a manual clock, and client requests with clock advances and expectations between them.
/// Built fluently: request methods (<see cref="Get"/>, <see cref="Send"/>...) start a step, the
/// expectation methods after them apply to that step. Serialized to xunit by name only.
/// </summary>
public sealed class ConformanceCase : IXunitSerializable
{
    private readonly List<Step> _steps = [];
    private readonly List<(string Key, string Value)> _settings = [];
    private TimeSpan _pendingAdvance;
    private bool _pendingStop;

    /// <summary>For xunit deserialization only.</summary>
    public ConformanceCase()
    {
        Name = string.Empty;
        Group = string.Empty;
    }

    internal ConformanceCase(string group, string rfc, string description)
    {
        Group = group;
        Name = $"{rfc}: {description}";
    }

    public string Name { get; private set; }

    public string Group { get; private set; }

    internal Func<UpstreamRequest, Reply> Script { get; private set; } = _ => Up.Ok();

    internal IReadOnlyList<Step> Steps => _steps;

    internal IReadOnlyList<(string Key, string Value)> Settings => _settings;

    public override string ToString() => Name;

    void IXunitSerializable.Serialize(IXunitSerializationInfo info) => info.AddValue(nameof(Name), Name);

    void IXunitSerializable.Deserialize(IXunitSerializationInfo info)
    {
        var found = ConformanceCases.ByName(info.GetValue<string>(nameof(Name)));
        Name = found.Name;
        Group = found.Group;
        Script = found.Script;
        _steps.AddRange(found._steps);
        _settings.AddRange(found._settings);
    }

    // ---- setup -------------------------------------------------------------------------------

    public ConformanceCase Setting(string key, string value)
    {
        _settings.Add((key, value));
        return this;
    }

    public ConformanceCase Upstream(Func<UpstreamRequest, Reply> script)
    {
        Script = script;
        return this;
    }

    /// <summary>The n-th upstream request gets the n-th reply; the last one repeats.</summary>
    public ConformanceCase Upstream(params Reply[] replies)
    {
        Script = r => replies[Math.Min(r.Number, replies.Length) - 1];
        return this;
    }

    /// <summary>Moves the shared clock before the next request.</summary>
    public ConformanceCase Advance(int seconds)
    {
        _pendingAdvance += TimeSpan.FromSeconds(seconds);
        return this;
    }

    /// <summary>Stops the upstream before the next request: its port then refuses connections.</summary>
    public ConformanceCase StopUpstream()
    {
        _pendingStop = true;
        return this;
    }

    // ---- requests ----------------------------------------------------------------------------

    public ConformanceCase Get(string path = "/r", params (string Name, string Value)[] headers) => Send("GET", path, null, headers);

    public ConformanceCase Get(params (string Name, string Value)[] headers) => Send("GET", "/r", null, headers);

    public ConformanceCase Head(string path = "/r", params (string Name, string Value)[] headers) => Send("HEAD", path, null, headers);

    public ConformanceCase Head(params (string Name, string Value)[] headers) => Send("HEAD", "/r", null, headers);

    public ConformanceCase Send(string method, string path, string? body, params (string Name, string Value)[] headers)
    {
        _steps.Add(new Step(method, path, body, headers, _pendingAdvance, _pendingStop));
        _pendingAdvance = TimeSpan.Zero;
        _pendingStop = false;
        return this;
    }

    /// <summary>Sends the last request <paramref name="count"/> times at once; response expectations apply to each.</summary>
    public ConformanceCase Concurrently(int count)
    {
        Last.Concurrency = count;
        return this;
    }

    /// <summary>Repeats the last request (within 10 s) until its body is <paramref name="body"/>; expectations apply to the last answer.</summary>
    public ConformanceCase RetryUntilBody(string body)
    {
        Last.RetryUntilBody = body;
        return this;
    }

    // ---- expectations on the response --------------------------------------------------------

    public ConformanceCase Status(int status)
        => Expect($"status {status}", r => r.Status == status ? null : $"status was {r.Status}");

    public ConformanceCase StatusNot(int status)
        => Expect($"status not {status}", r => r.Status != status ? null : $"status was {r.Status}");

    public ConformanceCase Body(string body)
        => Expect($"body \"{body}\"", r => r.BodyText == body ? null : $"body was \"{Shorten(r.BodyText)}\"");

    public ConformanceCase BodyNot(string body)
        => Expect($"body not \"{body}\"", r => r.BodyText != body ? null : "it was");

    public ConformanceCase EmptyBody()
        => Expect("no body", r => r.Body.Length == 0 ? null : $"body had {r.Body.Length} bytes: \"{Shorten(r.BodyText)}\"");

    /// <summary>The header's field lines, joined with ", ", equal <paramref name="value"/> (placeholders resolved).</summary>
    public ConformanceCase Header(string name, string value)
        => Expect($"{name}: {value}", r =>
        {
            var actual = r.Header(name);
            var expected = r.Resolve(value);
            return actual == expected ? null : actual is null ? "absent" : $"was \"{actual}\"";
        });

    public ConformanceCase HeaderPresent(string name)
        => Expect($"{name} present", r => r.Header(name) is not null ? null : "absent");

    public ConformanceCase HeaderAbsent(string name)
        => Expect($"{name} absent", r => r.Header(name) is not { } v ? null : $"was \"{v}\"");

    public ConformanceCase HeaderContains(string name, string part)
        => Expect($"{name} contains \"{part}\"", r =>
            r.Header(name) is not { } v ? "absent" : v.Contains(part, StringComparison.OrdinalIgnoreCase) ? null : $"was \"{v}\"");

    /// <summary>The header is a non-negative integer in [min, max].</summary>
    public ConformanceCase HeaderInteger(string name, long min, long max)
        => Expect($"{name} in [{min}, {max}]", r =>
            r.Header(name) is not { } v ? "absent"
            : long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? null
            : $"was \"{v}\"");

    /// <summary>The edge's member of Cache-Status (RFC 9211) is a hit.</summary>
    public ConformanceCase CacheStatusHit()
        => Expect("Cache-Status: EdgeCache; hit", r =>
            r.EdgeCacheStatus() is not { } s ? $"no EdgeCache member in \"{r.Header("Cache-Status")}\""
            : s.ContainsKey("hit") ? null : $"was \"{r.Header("Cache-Status")}\"");

    /// <summary>The edge's member of Cache-Status has the parameter, with the value when given.</summary>
    public ConformanceCase CacheStatusParam(string key, string? value = null)
        => Expect($"Cache-Status param {key}{(value is null ? string.Empty : "=" + value)}", r =>
            r.EdgeCacheStatus() is not { } s ? $"no EdgeCache member in \"{r.Header("Cache-Status")}\""
            : s.TryGetValue(key, out var v) && (value is null || v == value) ? null : $"was \"{r.Header("Cache-Status")}\"");

    public ConformanceCase CacheStatusNoParam(string key)
        => Expect($"Cache-Status without {key}", r =>
            r.EdgeCacheStatus() is { } s && s.ContainsKey(key) ? $"was \"{r.Header("Cache-Status")}\"" : null);

    public ConformanceCase Check(string description, Func<Response, string?> check) => Expect(description, check);

    // ---- expectations on the upstream --------------------------------------------------------

    /// <summary>The upstream saw no request during this step.</summary>
    public ConformanceCase FromCache() => Upstream("no upstream request", u => u.During.Count == 0 ? null : $"{u.During.Count} went upstream");

    /// <summary>The upstream saw a request during this step.</summary>
    public ConformanceCase WentUpstream() => Upstream("went upstream", u => u.During.Count > 0 ? null : "answered without the upstream");

    /// <summary>The upstream has seen exactly <paramref name="total"/> requests since the case started.</summary>
    public ConformanceCase UpstreamTotal(int total) => Upstream($"upstream total {total}", u => u.Total == total ? null : $"was {u.Total}");

    /// <summary>Polls (10 s) until the upstream has seen <paramref name="total"/> requests, then requires exactly that.</summary>
    public ConformanceCase EventuallyUpstreamTotal(int total)
    {
        Last.EventuallyTotal = total;
        return UpstreamTotal(total);
    }

    /// <summary>An upstream request of this step had the header, equal to <paramref name="value"/> (placeholders resolved).</summary>
    public ConformanceCase UpstreamSaw(string name, string value)
        => Upstream($"upstream saw {name}: {value}", u =>
        {
            if (u.During.Count == 0)
            {
                return "no upstream request";
            }

            var expected = u.During[0].Resolve(value);
            return u.During.Any(r => r.Header(name) == expected) ? null
                : string.Join("; ", u.During.Select(r => $"request {r.Number} had {(r.Header(name) is { } v ? $"\"{v}\"" : "none")}"));
        });

    /// <summary>No upstream request of this step had the header.</summary>
    public ConformanceCase UpstreamSawNo(string name)
        => Upstream($"upstream saw no {name}", u =>
            u.During.FirstOrDefault(r => r.Has(name)) is { } r ? $"request {r.Number} had \"{r.Header(name)}\"" : null);

    /// <summary>The last upstream request of this step did not have the header.</summary>
    public ConformanceCase LastUpstreamSawNo(string name)
        => Upstream($"last upstream request without {name}", u =>
            u.During.Count == 0 ? "no upstream request" : u.During[^1].Header(name) is { } v ? $"request {u.During[^1].Number} had \"{v}\"" : null);

    public ConformanceCase UpstreamSawMethod(string method)
        => Upstream($"upstream saw {method}", u =>
            u.During.Count == 0 ? "no upstream request" : u.During[^1].Method == method ? null : $"was {u.During[^1].Method}");

    private ConformanceCase Expect(string description, Func<Response, string?> check)
    {
        Last.ResponseChecks.Add((description, check));
        return this;
    }

    private ConformanceCase Upstream(string description, Func<UpstreamView, string?> check)
    {
        Last.UpstreamChecks.Add((description, check));
        return this;
    }

    private Step Last => _steps.Count > 0 ? _steps[^1] : throw new InvalidOperationException($"{Name}: an expectation before any request");

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}

/// <summary>One client request (or burst of identical requests) and what must hold after it.</summary>
internal sealed class Step(string method, string path, string? body, (string Name, string Value)[] headers, TimeSpan advanceBefore, bool stopUpstreamBefore)
{
    public string Method { get; } = method;

    public string Path { get; } = path;

    public string? Body { get; } = body;

    public (string Name, string Value)[] Headers { get; } = headers;

    public TimeSpan AdvanceBefore { get; } = advanceBefore;

    public bool StopUpstreamBefore { get; } = stopUpstreamBefore;

    public int Concurrency { get; set; } = 1;

    public string? RetryUntilBody { get; set; }

    public int? EventuallyTotal { get; set; }

    public List<(string Description, Func<Response, string?> Check)> ResponseChecks { get; } = [];

    public List<(string Description, Func<UpstreamView, string?> Check)> UpstreamChecks { get; } = [];

    public override string ToString()
        => $"{Method} {Path}{string.Concat(Headers.Select(h => $" [{h.Name}: {h.Value}]"))}{(Concurrency > 1 ? $" x{Concurrency}" : string.Empty)}";
}

/// <summary>What the upstream saw: the requests that arrived during a step, and the total so far.</summary>
public sealed class UpstreamView(IReadOnlyList<UpstreamRequest> during, int total)
{
    public IReadOnlyList<UpstreamRequest> During { get; } = during;

    public int Total { get; } = total;
}
