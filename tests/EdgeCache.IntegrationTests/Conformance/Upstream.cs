using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.IntegrationTests.Conformance;

/// <summary>One request as the scripted upstream received it.</summary>
public sealed class UpstreamRequest
{
    internal UpstreamRequest(int number, string method, string target, IHeaderDictionary headers, byte[] body, Placeholders placeholders)
    {
        Number = number;
        Method = method;
        Target = target;
        Headers = headers;
        Body = body;
        Placeholders = placeholders;
    }

    /// <summary>1 for the first request the upstream saw in this case, 2 for the second, ...</summary>
    public int Number { get; }

    public string Method { get; }

    /// <summary>Path and query.</summary>
    public string Target { get; }

    public IHeaderDictionary Headers { get; }

    public byte[] Body { get; }

    internal Placeholders Placeholders { get; }

    public string Path => Target.Split('?')[0];

    /// <summary>The header's field lines joined with ", ", or null when absent.</summary>
    public string? Header(string name)
        => Headers.TryGetValue(name, out var values) && values.Count > 0 ? string.Join(", ", values.ToArray()) : null;

    public bool Has(string name) => Headers.ContainsKey(name);

    /// <summary>Resolves <c>{t:±s}</c>, <c>{now:±s}</c> and <c>{edge}</c> in <paramref name="value"/>.</summary>
    public string Resolve(string value) => Placeholders.Resolve(value);
}

/// <summary>What the scripted upstream answers to one request.</summary>
public sealed record Reply
{
    public int Status { get; init; } = 200;

    /// <summary>Header field lines, in order; a name may repeat (one field line each).</summary>
    public IReadOnlyList<(string Name, string Value)> Headers { get; init; } = [];

    /// <summary>Body; null means "response N" (N = the request's number) when the status allows a body.</summary>
    public string? Body { get; init; }

    public byte[]? BodyBytes { get; init; }

    /// <summary>Close the connection without answering.</summary>
    public bool Abort { get; init; }

    /// <summary>When the request arrives during a burst step (Concurrently), answer only after the burst's responses are in (at most 20 s).</summary>
    public bool Hold { get; init; }

    public Reply With(params (string Name, string Value)[] headers) => this with { Headers = [.. Headers, .. headers] };
}

/// <summary>Builders for upstream replies and scripts.</summary>
public static class Up
{
    public static Reply Ok(params (string Name, string Value)[] headers) => new() { Headers = headers };

    public static Reply Ok(string body, params (string Name, string Value)[] headers) => new() { Body = body, Headers = headers };

    public static Reply Status(int status, params (string Name, string Value)[] headers) => new() { Status = status, Headers = headers };

    public static Reply NotModified(params (string Name, string Value)[] headers) => new() { Status = 304, Headers = headers };

    public static Reply Abort() => new() { Abort = true };

    /// <summary>Answers 304 with <paramref name="notModified"/> (default: <paramref name="headers"/>) when the request's
    /// If-None-Match matches <paramref name="etag"/> (weak comparison) or, without If-None-Match, its If-Modified-Since
    /// is not earlier than <paramref name="lastModified"/>; otherwise 200 "response N" with the validators and headers.</summary>
    public static Func<UpstreamRequest, Reply> Validating(
        string? etag,
        string? lastModified,
        (string Name, string Value)[] headers,
        (string Name, string Value)[]? notModified = null)
        => r =>
        {
            var validators = new List<(string, string)>();
            if (etag is not null)
            {
                validators.Add(("ETag", etag));
            }

            if (lastModified is not null)
            {
                validators.Add(("Last-Modified", lastModified));
            }

            if (IsNotModified(r, etag, lastModified))
            {
                return NotModified([.. validators, .. notModified ?? headers]);
            }

            return Ok([.. validators, .. headers]);
        };

    public static bool IsNotModified(UpstreamRequest r, string? etag, string? lastModified)
    {
        if (r.Header("If-None-Match") is { } inm)
        {
            return etag is not null && ETags.WeakMatchAny(inm, etag);
        }

        return lastModified is not null
            && r.Header("If-Modified-Since") is { } ims
            && HttpDates.TryParse(ims, out var since)
            && HttpDates.TryParse(r.Resolve(lastModified), out var modified)
            && modified <= since;
    }
}

internal static class ETags
{
    public static string Opaque(string tag) => tag.Trim().StartsWith("W/", StringComparison.Ordinal) ? tag.Trim()[2..] : tag.Trim();

    public static bool WeakMatchAny(string list, string etag)
        => list.Trim() == "*" || list.Split(',').Any(t => Opaque(t) == Opaque(etag));
}

internal static class HttpDates
{
    public static bool TryParse(string value, out DateTimeOffset date)
        => DateTimeOffset.TryParseExact(value.Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date);
}

/// <summary>Placeholders in scripted header values and expectations: <c>{t:-86400}</c> is the case's start time
/// plus the offset in seconds as an HTTP date, <c>{now:+60}</c> the clock's current time plus the offset, and
/// <c>{edge}</c> the edge's base URL (the origin clients use).</summary>
internal sealed partial class Placeholders(Infrastructure.ManualClock clock)
{
    private readonly DateTimeOffset _start = clock.GetUtcNow();

    public string EdgeUrl { get; set; } = string.Empty;

    public string Resolve(string value)
    {
        if (!value.Contains('{', StringComparison.Ordinal))
        {
            return value;
        }

        return Pattern().Replace(value, m =>
        {
            if (m.Groups["edge"].Success)
            {
                return EdgeUrl.TrimEnd('/');
            }

            var offset = TimeSpan.FromSeconds(long.Parse(m.Groups["offset"].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
            var baseTime = m.Groups["kind"].Value == "t" ? _start : clock.GetUtcNow();
            return (baseTime + offset).ToString("r", CultureInfo.InvariantCulture);
        });
    }

    [GeneratedRegex(@"\{(?:(?<edge>edge)|(?<kind>t|now):(?<offset>[+-]?\d+))\}")]
    private static partial Regex Pattern();
}

internal static class HeaderValues
{
    public static string? Join(StringValues values) => values.Count == 0 ? null : string.Join(", ", values.ToArray());
}
