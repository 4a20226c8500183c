using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EdgeCache.Edge.Storage;

/// <summary>The libc calls behind <see cref="BodyArena"/>: an anonymous memfd, its mapping (and its replacement at dispose) and hole punching (Linux x64).</summary>
internal static partial class LinuxMemory
{
    public const uint MfdCloexec = 1;

    public const int ProtRead = 1;
    public const int ProtWrite = 2;

    public const int MapShared = 1;
    public const int MapPrivate = 2;
    public const int MapFixed = 0x10;
    public const int MapAnonymous = 0x20;
    public const int MapNoReserve = 0x4000;

    /// <summary>What mmap returns on failure: <c>(void*)-1</c>.</summary>
    public static readonly nint MapFailed = -1;

    public const int FallocKeepSize = 1;
    public const int FallocPunchHole = 2;

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int Ftruncate(SafeFileHandle fd, long length);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial nint Mmap(nint addr, nuint length, int prot, int flags, SafeFileHandle fd, long offset);

    /// <summary>mmap without a file (<see cref="MapAnonymous"/>; the descriptor is -1).</summary>
    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial nint MmapAnonymous(nint addr, nuint length, int prot, int flags, int fd, long offset);

    // The handle, not a raw fd: marshalling holds a reference for the call, so a punch racing the arena's
    // Dispose fails cleanly instead of hitting whatever file reused the descriptor number.
    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int Fallocate(SafeFileHandle fd, int mode, long offset, long length);
}
