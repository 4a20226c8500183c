using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// The directives of one or more <c>Cache-Control</c> header lines (RFC 9111 section 5.2).
/// Names are case-insensitive, values may be quoted, and where a directive repeats or
/// conflicts the most conservative reading wins (the smallest age, any <c>no-store</c>).
/// </summary>
internal readonly record struct CacheControlDirectives
{
    /// <summary>No directives at all (the header was absent or empty).</summary>
    public static readonly CacheControlDirectives None = default;

    public bool Present { get; init; }
    public bool NoStore { get; init; }
    public bool NoCache { get; init; }
    public bool Private { get; init; }
    public bool Public { get; init; }
    public bool MustRevalidate { get; init; }
    public bool ProxyRevalidate { get; init; }
    public bool NoTransform { get; init; }
    public bool OnlyIfCached { get; init; }
    public bool Immutable { get; init; }
    public bool MustUnderstand { get; init; }

    /// <summary>Header names of a qualified <c>private="..."</c>: a shared cache stores the response without them.</summary>
    public string[]? PrivateFields { get; init; }

    /// <summary>Header names of a qualified <c>no-cache="..."</c>: reused only after validation, so the edge does not store them.</summary>
    public string[]? NoCacheFields { get; init; }

    /// <summary><c>max-age</c>; an invalid value reads as zero, which makes the response stale (section 5.2.2.1).</summary>
    public TimeSpan? MaxAge { get; init; }
    public TimeSpan? SharedMaxAge { get; init; }
    public TimeSpan? MinFresh { get; init; }

    /// <summary><c>max-stale</c>; <see cref="TimeSpan.MaxValue"/> when it has no value (any staleness).</summary>
    public TimeSpan? MaxStale { get; init; }
    public TimeSpan? StaleWhileRevalidate { get; init; }
    public TimeSpan? StaleIfError { get; init; }

    public static CacheControlDirectives Parse(StringValues headerLines)
    {
        if (headerLines.Count == 0)
        {
            return None;
        }

        var result = new Builder();
        foreach (var line in headerLines)
        {
            if (!string.IsNullOrEmpty(line))
            {
                ParseLine(line.AsSpan(), ref result);
            }
        }

        return result.Build();
    }

    private static void ParseLine(ReadOnlySpan<char> line, ref Builder result)
    {
        var position = 0;
        while (position < line.Length)
        {
            // name
            while (position < line.Length && (line[position] is ' ' or '\t' or ','))
            {
                position++;
            }

            var nameStart = position;
            while (position < line.Length && line[position] is not ('=' or ',' or ' ' or '\t'))
            {
                position++;
            }

            var name = line[nameStart..position];
            while (position < line.Length && line[position] is ' ' or '\t')
            {
                position++;
            }

            ReadOnlySpan<char> value = default;
            var hasValue = false;
            if (position < line.Length && line[position] == '=')
            {
                hasValue = true;
                position++;
                while (position < line.Length && line[position] is ' ' or '\t')
                {
                    position++;
                }

                if (position < line.Length && line[position] == '"')
                {
                    var valueStart = ++position;
                    while (position < line.Length && line[position] != '"')
                    {
                        position += line[position] == '\\' ? 2 : 1;
                    }

                    value = line[valueStart..Math.Min(position, line.Length)];
                    position++;
                }
                else
                {
                    var valueStart = position;
                    while (position < line.Length && line[position] != ',')
                    {
                        position++;
                    }

                    value = line[valueStart..position].TrimEnd();
                }
            }

            // skip anything up to the next comma (garbage after a value)
            while (position < line.Length && line[position] != ',')
            {
                position++;
            }

            if (!name.IsEmpty)
            {
                result.Apply(name, hasValue, value);
            }
        }
    }

    /// <summary>
    /// Reads a delta-seconds value. Values too large to hold are capped (RFC 9111 section 1.2.2);
    /// anything else that is not a non-negative integer is invalid.
    /// </summary>
    internal static bool TryParseDeltaSeconds(ReadOnlySpan<char> value, out TimeSpan delta)
    {
        delta = TimeSpan.Zero;
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > int.MaxValue)
        {
            seconds = int.MaxValue;
        }

        delta = TimeSpan.FromSeconds(seconds);
        return true;
    }

    private struct Builder
    {
        private CacheControlDirectives _value;

        public void Apply(ReadOnlySpan<char> name, bool hasValue, ReadOnlySpan<char> value)
        {
            _value = _value with { Present = true };
            if (Is(name, "no-store"))
            {
                _value = _value with { NoStore = true };
            }
            else if (Is(name, "no-cache"))
            {
                // A qualified no-cache applies to the named fields only (RFC 9111 section 5.2.2.4).
                _value = hasValue && FieldNames(value) is { } fields
                    ? _value with { NoCacheFields = Concat(_value.NoCacheFields, fields) }
                    : _value with { NoCache = true };
            }
            else if (Is(name, "private"))
            {
                // A qualified private makes only the named fields personal (RFC 9111 section 5.2.2.7).
                _value = hasValue && FieldNames(value) is { } fields
                    ? _value with { PrivateFields = Concat(_value.PrivateFields, fields) }
                    : _value with { Private = true };
            }
            else if (Is(name, "must-understand"))
            {
                _value = _value with { MustUnderstand = true };
            }
            else if (Is(name, "public"))
            {
                _value = _value with { Public = true };
            }
            else if (Is(name, "must-revalidate"))
            {
                _value = _value with { MustRevalidate = true };
            }
            else if (Is(name, "proxy-revalidate"))
            {
                _value = _value with { ProxyRevalidate = true };
            }
            else if (Is(name, "no-transform"))
            {
                _value = _value with { NoTransform = true };
            }
            else if (Is(name, "only-if-cached"))
            {
                _value = _value with { OnlyIfCached = true };
            }
            else if (Is(name, "immutable"))
            {
                _value = _value with { Immutable = true };
            }
            else if (Is(name, "max-age"))
            {
                _value = _value with { MaxAge = Smaller(_value.MaxAge, Delta(hasValue, value)) };
            }
            else if (Is(name, "s-maxage"))
            {
                _value = _value with { SharedMaxAge = Smaller(_value.SharedMaxAge, Delta(hasValue, value)) };
            }
            else if (Is(name, "min-fresh"))
            {
                // The most demanding requirement wins.
                var fresh = Delta(hasValue, value);
                _value = _value with { MinFresh = _value.MinFresh is { } old && old > fresh ? old : fresh };
            }
            else if (Is(name, "max-stale"))
            {
                var stale = hasValue ? Delta(true, value) : TimeSpan.MaxValue;
                _value = _value with { MaxStale = Smaller(_value.MaxStale, stale) };
            }
            else if (Is(name, "stale-while-revalidate"))
            {
                _value = _value with { StaleWhileRevalidate = Smaller(_value.StaleWhileRevalidate, Delta(hasValue, value)) };
            }
            else if (Is(name, "stale-if-error"))
            {
                _value = _value with { StaleIfError = Smaller(_value.StaleIfError, Delta(hasValue, value)) };
            }
        }

        public readonly CacheControlDirectives Build() => _value;

        private static TimeSpan Delta(bool hasValue, ReadOnlySpan<char> value)
            => hasValue && TryParseDeltaSeconds(value, out var delta) ? delta : TimeSpan.Zero;

        private static TimeSpan Smaller(TimeSpan? existing, TimeSpan candidate)
            => existing is { } old && old < candidate ? old : candidate;

        /// <summary>The field names of a qualified directive; null when the list names none (then it reads unqualified).</summary>
        private static string[]? FieldNames(ReadOnlySpan<char> value)
        {
            var names = value.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return names.Length == 0 ? null : names;
        }

        private static string[] Concat(string[]? existing, string[] added) => existing is null ? added : [.. existing, .. added];

        private static bool Is(ReadOnlySpan<char> name, string directive)
            => name.Equals(directive, StringComparison.OrdinalIgnoreCase);
    }
}
