using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace EdgeCache.Edge.Caching;

/// <summary>
/// The secondary cache key of RFC 9111 section 4.1: the request header values a response
/// named in <c>Vary</c>, normalised so that spelling differences do not split the cache.
/// </summary>
internal sealed class VaryKey
{
    public static readonly VaryKey Empty = new([], []);

    private VaryKey(string[] names, string?[] values)
    {
        Names = names;
        Values = values;
    }

    /// <summary>Lower-cased header names from the response's <c>Vary</c>.</summary>
    public string[] Names { get; }

    /// <summary>Normalised request values, one for each of <see cref="Names"/>; null where the request had no such header.</summary>
    public string?[] Values { get; }

    public bool IsEmpty => Names.Length == 0;

    /// <summary>Builds the key of a response from its <c>Vary</c> header and the request that produced it.</summary>
    public static VaryKey Create(StringValues varyHeader, IHeaderDictionary requestHeaders)
    {
        if (varyHeader.Count == 0)
        {
            return Empty;
        }

        var names = new List<string>();
        foreach (var line in varyHeader)
        {
            foreach (var part in (line ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var name = part.ToLowerInvariant();
                if (!names.Contains(name))
                {
                    names.Add(name);
                }
            }
        }

        if (names.Count == 0)
        {
            return Empty;
        }

        names.Sort(StringComparer.Ordinal);
        var values = new string?[names.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Normalize(names[i], requestHeaders[names[i]]);
        }

        return new VaryKey([.. names], values);
    }

    /// <summary>True when <paramref name="requestHeaders"/> select the same variant as this key.</summary>
    public bool Matches(IHeaderDictionary requestHeaders)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            var current = requestHeaders[Names[i]];
            // The common case, one header line already in normal form, compares without allocating.
            if (current.Count == 1 && string.Equals(current[0], Values[i], StringComparison.Ordinal))
            {
                continue;
            }

            if (!string.Equals(Normalize(Names[i], current), Values[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public bool SameAs(VaryKey other)
        => Names.AsSpan().SequenceEqual(other.Names) && Values.AsSpan().SequenceEqual(other.Values);

    /// <summary>
    /// The normal form of a request header's value: null when absent (an absent header only
    /// matches an absent one, RFC 9111 section 4.1), lines joined, whitespace around list members
    /// and parameters removed; for the content negotiation headers, whose values are
    /// case-insensitive and whose member order carries no meaning, also lower-cased and sorted.
    /// </summary>
    internal static string? Normalize(string name, StringValues values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var members = new List<string>();
        foreach (var line in values)
        {
            foreach (var member in (line ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                members.Add(CompactParameters(member));
            }
        }

        if (IsNegotiationHeader(name))
        {
            for (var i = 0; i < members.Count; i++)
            {
                members[i] = members[i].ToLowerInvariant();
            }

            members.Sort(StringComparer.Ordinal);
        }

        return string.Join(", ", members);
    }

    private static bool IsNegotiationHeader(string name)
        => name is "accept" or "accept-encoding" or "accept-language" or "accept-charset";

    /// <summary>Removes whitespace around <c>;</c> and <c>=</c> inside one list member (<c>gzip ; q=0.5</c> is <c>gzip;q=0.5</c>).</summary>
    private static string CompactParameters(string member)
    {
        if (member.IndexOfAny([' ', '\t']) < 0)
        {
            return member;
        }

        var parts = member.Split(';', StringSplitOptions.TrimEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var equals = parts[i].IndexOf('=');
            if (equals > 0)
            {
                parts[i] = parts[i][..equals].TrimEnd() + "=" + parts[i][(equals + 1)..].TrimStart();
            }
        }

        return string.Join(';', parts);
    }

    /// <summary>Approximate bytes held, for the cache budget.</summary>
    public int MemorySize
    {
        get
        {
            var size = 0;
            for (var i = 0; i < Names.Length; i++)
            {
                size += 2 * (Names[i].Length + (Values[i]?.Length ?? 0)) + 48;
            }

            return size;
        }
    }
}
