using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EdgeCache.Edge.Transport;

/// <summary>
/// The socket calls .NET does not offer on Linux: <c>send</c> with <c>MSG_MORE</c>, and a
/// <c>sendfile</c> that returns at once instead of going through the async socket engine.
/// </summary>
internal static unsafe partial class LinuxSocket
{
    private const int MsgDontWait = 0x40;
    private const int MsgMore = 0x8000;
    private const int MsgNoSignal = 0x4000;

    /// <summary>
    /// Queues <paramref name="bytes"/> without pushing them out, so the kernel sends them in one
    /// segment with what follows (the <c>sendfile</c> after a response's headers) instead of in
    /// a small packet of their own. Never waits; returns how many bytes it queued, 0 when none.
    /// </summary>
    public static int SendMore(Socket socket, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* start = bytes)
        {
            var sent = Send(socket.SafeHandle, start, (nuint)bytes.Length, MsgMore | MsgDontWait | MsgNoSignal);
            return sent > 0 ? (int)sent : 0;
        }
    }

    /// <summary>
    /// Sends as much of the file range as the socket takes now, without waiting; returns how
    /// many bytes went, 0 when the send buffer is full (the caller then waits for room).
    /// </summary>
    public static int SendFileNow(Socket socket, SafeFileHandle file, long offset, int count)
    {
        var done = 0;
        while (done < count)
        {
            var position = offset + done;
            var sent = SendFile(socket.SafeHandle, file, ref position, (nuint)(count - done));
            if (sent <= 0)
            {
                break;
            }

            done += (int)sent;
        }

        return done;
    }

    [LibraryImport("libc", EntryPoint = "sendfile", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial nint SendFile(SafeSocketHandle socket, SafeFileHandle file, ref long offset, nuint count);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial nint Send(SafeSocketHandle socket, byte* buffer, nuint length, int flags);
}
