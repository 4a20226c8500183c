using EdgeCache.Edge.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.Edge.Storage;

/// <summary>
/// The edge's <see cref="BodyArena"/>, made at start when <c>Edge:ZeroCopy</c> is on and the
/// system has memfd; without one, large bodies stay in arrays and hits copy them.
/// </summary>
internal sealed class BodyArenaHost : IDisposable
{
    public BodyArenaHost(IOptions<EdgeOptions> options, ILogger<BodyArena> logger)
    {
        var edge = options.Value;
        Minimum = edge.ZeroCopyMinimum.Bytes;
        if (edge.ZeroCopy && OperatingSystem.IsLinux())
        {
            Arena = BodyArena.TryCreate(ReserveFor(edge.CacheSize.Bytes), logger);
        }
    }

    public BodyArena? Arena { get; }

    /// <summary>Smallest body that goes into the arena.</summary>
    public long Minimum { get; }

    /// <summary>
    /// Address space only (the file is sparse and the mapping reserves nothing): room for the
    /// whole cache several times over, since extents come in power-of-two classes and a class's
    /// freed extents serve only that class.
    /// </summary>
    internal static long ReserveFor(long cacheBytes) => Math.Clamp(cacheBytes * 8, 4L << 30, 1L << 40);

    public void Dispose() => Arena?.Dispose();
}
