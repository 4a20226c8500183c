using System.Runtime.InteropServices;
using System.Text;

namespace EdgeCache.Replication.Changes;

/// <summary>
/// fsync of a directory, so a created or deleted segment file survives a power loss: fsync of
/// the file alone does not make its directory entry durable. .NET cannot open a directory as a
/// file, hence libc; on Windows, NTFS makes the entry durable with the file's metadata, so it is a no-op.
/// </summary>
public static class DirectorySync
{
    private const int ReadOnly = 0;
    private const int CloseOnExec = 0x80000; // O_CLOEXEC, the same on every Linux architecture .NET runs on
    private static volatile bool s_unavailable;

    /// <summary>Makes the entries of <paramref name="directory"/> durable; best effort where the platform cannot; throws when the sync fails.</summary>
    public static void Flush(string directory) => FlushCore(directory);

    /// <summary>
    /// As <see cref="Flush"/>, for callers to whom a failure only weakens durability: reports
    /// whether the directory was synced instead of throwing.
    /// </summary>
    public static bool TryFlush(string directory)
    {
        try
        {
            return FlushCore(directory);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool FlushCore(string directory)
    {
        if (OperatingSystem.IsWindows() || s_unavailable)
        {
            return false;
        }

        // A null-terminated UTF-8 byte array marshals without unsafe code.
        var path = Encoding.UTF8.GetBytes(Path.GetFullPath(directory) + "\0");
        int fd;
        try
        {
            fd = Open(path, ReadOnly | CloseOnExec);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // A platform without a loadable libc keeps the file fsyncs, which most journaling file systems make enough.
            s_unavailable = true;
            return false;
        }

        if (fd < 0)
        {
            throw new IOException($"Cannot open directory {directory} to sync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"Cannot sync directory {directory} (errno {Marshal.GetLastPInvokeError()}).");
            }

            return true;
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);
}
