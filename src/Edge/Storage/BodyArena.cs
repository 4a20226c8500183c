using System.Numerics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace EdgeCache.Edge.Storage;

/// <summary>
/// One Linux memfd, mapped once (MAP_SHARED | MAP_NORESERVE) over a sparse reserve; extents are handed out
/// in power-of-two size classes from 64 KiB upward and punched out (fallocate PUNCH_HOLE | KEEP_SIZE) when
/// freed, so physical memory is only what live bodies occupy. The same bytes are a span through the mapping
/// and a file region for sendfile through <see cref="Handle"/>.
/// </summary>
internal sealed partial class BodyArena : IDisposable
{
    /// <summary>What <see cref="LiveBytes"/> rounds each extent's length up to.</summary>
    public const int PageSize = 4096;

    /// <summary>The smallest size class, 64 KiB, as a power of two.</summary>
    private const int MinClassShift = 16;

    /// <summary>64 KiB .. 2 GiB: enough for any length up to <see cref="int.MaxValue"/>.</summary>
    private const int ClassCount = 31 - MinClassShift + 1;

    private readonly Lock _lock = new();
    private readonly Stack<long>[] _free = new Stack<long>[ClassCount];
    private readonly SafeFileHandle _handle;
    private readonly ILogger _logger;
    private long _next;
    private long _liveBytes;
    private bool _disposed;

    private BodyArena(nint address, long reserveBytes, SafeFileHandle handle, ILogger logger)
    {
        Address = address;
        _handle = handle;
        ReserveBytes = reserveBytes;
        _logger = logger;
        for (var i = 0; i < _free.Length; i++)
        {
            _free[i] = new Stack<long>();
        }
    }

    /// <summary>The memfd, for sendfile at an explicit offset (its own position is never used).</summary>
    public SafeFileHandle Handle => _handle;

    /// <summary>Bytes of live extents, each counted as its length rounded up to 4 KiB pages (what they occupy physically).</summary>
    public long LiveBytes => Interlocked.Read(ref _liveBytes);

    /// <summary>The size of the memfd and of its mapping; the most the arena can ever hand out.</summary>
    public long ReserveBytes { get; }

    /// <summary>The start of the mapping; extents index into it by their offset.</summary>
    internal nint Address { get; }

    /// <summary>
    /// A new arena over a sparse memfd of <paramref name="reserveBytes"/>; null, after a warning through
    /// <paramref name="logger"/>, when not on 64-bit Linux or when memfd_create, ftruncate, mmap or the
    /// memfd's reopening through /proc fail.
    /// </summary>
    public static BodyArena? TryCreate(long reserveBytes, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(reserveBytes);
        ArgumentNullException.ThrowIfNull(logger);

        // The constants and the 64-bit off_t in LinuxMemory hold for 64-bit Linux only.
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            LogUnsupportedPlatform(logger, RuntimeInformation.OSDescription, RuntimeInformation.ProcessArchitecture);
            return null;
        }

        int fd;
        try
        {
            fd = LinuxMemory.MemfdCreate("edgecache-bodies", LinuxMemory.MfdCloexec);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            LogUnavailable(logger, "memfd_create", ex.Message);
            return null;
        }

        if (fd < 0)
        {
            LogCallFailed(logger, "memfd_create", Marshal.GetLastPInvokeError(), reserveBytes);
            return null;
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (LinuxMemory.Ftruncate(handle, reserveBytes) != 0)
        {
            // Read errno before close can overwrite it.
            var errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            LogCallFailed(logger, "ftruncate", errno, reserveBytes);
            return null;
        }

        var address = LinuxMemory.Mmap(
            0, (nuint)reserveBytes, LinuxMemory.ProtRead | LinuxMemory.ProtWrite,
            LinuxMemory.MapShared | LinuxMemory.MapNoReserve, handle, 0);
        if (address == LinuxMemory.MapFailed)
        {
            var errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            LogCallFailed(logger, "mmap", errno, reserveBytes);
            return null;
        }

        return new BodyArena(address, reserveBytes, handle, logger);
    }

    /// <summary>
    /// A fresh extent of <paramref name="length"/> bytes; null when the length is 0 or above
    /// <see cref="int.MaxValue"/>, when the reserve has no room left for its size class, or once the arena is disposed.
    /// </summary>
    public BodyExtent? TryAllocate(long length)
    {
        if (length is <= 0 or > int.MaxValue)
        {
            return null;
        }

        var sizeClass = SizeClass(length);
        var classBytes = 1L << (sizeClass + MinClassShift);
        long offset;
        lock (_lock)
        {
            if (_disposed)
            {
                // A fill finishing after shutdown keeps its body in arrays.
                return null;
            }

            if (!_free[sizeClass].TryPop(out offset))
            {
                if (classBytes > ReserveBytes - _next)
                {
                    return null;
                }

                offset = _next;
                _next += classBytes;
            }

            _liveBytes += Pages(length);
        }

        return new BodyExtent(this, offset, (int)length, sizeClass);
    }

    /// <summary>Punches the extent's pages out, then makes its slot available to the next allocation of its class.</summary>
    internal void Release(BodyExtent extent)
    {
        var pages = Pages(extent.Length);
        if (!Punch(extent.Offset, pages))
        {
            return;
        }

        // Pushed only after the punch: a slot handed out again while the punch runs would lose its new bytes.
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _free[extent.SizeClass].Push(extent.Offset);
            _liveBytes -= pages;
        }
    }

    /// <summary>
    /// Lets go of the memfd and its pages; for shutdown and tests. The address range stays mapped, to
    /// anonymous memory: a fill or a send still under way when the edge stops may touch its extent
    /// once more, and unmapping would turn that into a segmentation fault of the whole process.
    /// </summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        // MAP_FIXED swaps the mapping in one step, so no access ever finds the range unmapped. The
        // range is reserved address space (nothing is committed until touched), given up only at exit.
        var replaced = LinuxMemory.MmapAnonymous(
            Address, (nuint)ReserveBytes, LinuxMemory.ProtRead | LinuxMemory.ProtWrite,
            LinuxMemory.MapPrivate | LinuxMemory.MapAnonymous | LinuxMemory.MapNoReserve | LinuxMemory.MapFixed, -1, 0);
        if (replaced == LinuxMemory.MapFailed)
        {
            // Keep the memfd mapped rather than risk the fault: its pages stay until exit.
            LogReleaseFailed(_logger, Marshal.GetLastPInvokeError(), ReserveBytes);
            return;
        }

        _handle.Dispose();
    }

    /// <summary>False only when the arena is gone; a failed punch still frees the slot, its pages just stay resident.</summary>
    private bool Punch(long offset, long length)
    {
        int result;
        try
        {
            result = LinuxMemory.Fallocate(_handle, LinuxMemory.FallocPunchHole | LinuxMemory.FallocKeepSize, offset, length);
        }
        catch (ObjectDisposedException)
        {
            // The arena was disposed and its memfd closed: there is nothing left to punch or reuse.
            return false;
        }

        if (result != 0)
        {
            LogPunchFailed(_logger, length, offset, Marshal.GetLastPInvokeError());
        }

        return true;
    }

    /// <summary>0 for up to 64 KiB, 1 for up to 128 KiB, ... 15 for up to 2 GiB.</summary>
    private static int SizeClass(long length) =>
        Math.Max(0, BitOperations.Log2((ulong)(length - 1)) + 1 - MinClassShift);

    private static long Pages(long length) => (length + PageSize - 1) & ~(long)(PageSize - 1);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Body arena disabled: it needs 64-bit Linux, this is {Platform} on {Architecture}")]
    private static partial void LogUnsupportedPlatform(ILogger logger, string platform, Architecture architecture);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Body arena disabled: {Call} is not available ({Error})")]
    private static partial void LogUnavailable(ILogger logger, string call, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Body arena kept at dispose: replacing its mapping failed with errno {Errno} for a reserve of {ReserveBytes} bytes")]
    private static partial void LogReleaseFailed(ILogger logger, int errno, long reserveBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Body arena disabled: {Call} failed with errno {Errno} for a reserve of {ReserveBytes} bytes")]
    private static partial void LogCallFailed(ILogger logger, string call, int errno, long reserveBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Body arena could not punch out {Length} bytes at offset {Offset} (errno {Errno}); they stay resident until the slot is reused")]
    private static partial void LogPunchFailed(ILogger logger, long length, long offset, int errno);
}
