using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeCache.Benchmarks;

/// <summary>
/// Kestrel's own response header collection (<c>HttpResponseHeaders</c>, internal to Kestrel),
/// made by reflection, so header writes go through the known-header fields, value validation
/// and unknown-header dictionary a real response uses rather than a plain <see cref="HeaderDictionary"/>.
/// </summary>
internal sealed class KestrelResponseHeaders
{
    private const string TypeName = "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.HttpResponseHeaders";
    private const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    // Bound once to the instance: MethodInfo.Invoke would allocate on every reset.
    private readonly Action _reset;

    public KestrelResponseHeaders()
    {
        var type = typeof(KestrelServerOptions).Assembly.GetType(TypeName, throwOnError: true)!;

        // The constructor takes an optional Func<string, Encoding?> (the header encoding selector);
        // null is what Kestrel passes when no selector is configured.
        var constructor = type.GetConstructor(Instance, [typeof(Func<string, Encoding?>)]);
        Headers = constructor is not null
            ? (IHeaderDictionary)constructor.Invoke([null])
            : (IHeaderDictionary)(type.GetConstructor(Instance, Type.EmptyTypes)
                ?? throw new InvalidOperationException($"{TypeName} has no constructor this benchmark knows.")).Invoke(null);

        // Kestrel calls Reset when a connection moves on to its next request: it clears the
        // values but keeps the unknown-header dictionary, as between keep-alive requests.
        var reset = type.GetMethod("Reset", Instance, Type.EmptyTypes)
            ?? throw new InvalidOperationException($"{TypeName} has no Reset method.");
        _reset = (Action)Delegate.CreateDelegate(typeof(Action), Headers, reset);
    }

    public IHeaderDictionary Headers { get; }

    /// <summary>Empties the collection and makes it writable again.</summary>
    public void Reset() => _reset();
}
