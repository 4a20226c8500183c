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
    /// <remarks>Runs on every hit on a varying response, so it compares without allocating.</remarks>
    public bool Matches(IHeaderDictionary requestHeaders)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (!VaryNormalForm.Matches(Names[i], requestHeaders[Names[i]], Values[i]))
            {
                return false;
            }
        }

        return true;
    }

    public bool SameAs(VaryKey other)
        => Names.AsSpan().SequenceEqual(other.Names) && Values.AsSpan().SequenceEqual(other.Values);

    /// <summary>The normal form of a request header's value; see <see cref="VaryNormalForm"/>.</summary>
    internal static string? Normalize(string name, StringValues values) => VaryNormalForm.Create(name, values);

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
