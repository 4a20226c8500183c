using System.Runtime.InteropServices;

namespace EdgeCache.Origin.Content;

/// <summary>
/// fsync(2) on a directory, so that a rename into it survives a power loss. .NET cannot open a
/// directory as a file, hence libc; elsewhere than Linux this does nothing.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0;
    private const int CloseOnExec = 0x80000; // O_CLOEXEC, the same on every Linux architecture .NET runs on

    /// <summary>Best effort: a failure here only weakens durability, so it is reported, not thrown.</summary>
    public static bool TryFlush(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        int fd;
        try
        {
            fd = Open(directory, ReadOnly | CloseOnExec);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }

        if (fd < 0)
        {
            return false;
        }

        try
        {
            return Fsync(fd) == 0;
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);
}
