using EdgeCache.Edge.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeCache.Edge.Storage;

/// <summary>
/// The edge's <see cref="BodyArena"/>, made at start when <c>Edge:ZeroCopy</c> is on and the
/// system has memfd, and the <see cref="BodySlabs"/> small bodies are packed into; without an
/// arena, bodies stay in arrays and hits copy them.
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
            Slabs = Arena is null ? null : new BodySlabs(Arena);
        }
    }

    public BodyArena? Arena { get; }

    /// <summary>The slabs small bodies are packed into, in the arena; null without one.</summary>
    public BodySlabs? Slabs { get; }

    /// <summary>Bytes of large bodies in the arena, which hits send with <c>sendfile</c>.</summary>
    public long ZeroCopyBytes => Math.Max(0, (Arena?.LiveBytes ?? 0) - (Slabs?.SlabsBytes ?? 0));

    /// <summary>Bytes of the slots that small bodies take in the arena's slabs.</summary>
    public long PackedBytes => Slabs?.UsedBytes ?? 0;

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
