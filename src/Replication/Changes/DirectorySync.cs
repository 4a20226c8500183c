using System.Runtime.InteropServices;
using System.Text;

namespace EdgeCache.Replication.Changes;

/// <summary>
/// fsync of a directory, so a created or deleted segment file survives a power loss: fsync of
/// the file alone does not make its directory entry durable. .NET cannot open a directory as a
/// file, hence libc; on Windows, NTFS makes the entry durable with the file's metadata, so it is a no-op.
/// </summary>
internal static class DirectorySync
{
    private const int ReadOnly = 0;
    private static volatile bool s_unavailable;

    /// <summary>Makes the entries of <paramref name="directory"/> durable; best effort where the platform cannot.</summary>
    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows() || s_unavailable)
        {
            return;
        }

        // A null-terminated UTF-8 byte array marshals without unsafe code.
        var path = Encoding.UTF8.GetBytes(Path.GetFullPath(directory) + "\0");
        int fd;
        try
        {
            fd = Open(path, ReadOnly);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // A platform without a loadable libc keeps the file fsyncs, which most journaling file systems make enough.
            s_unavailable = true;
            return;
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
