using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EdgeCache.Edge.Transport;

/// <summary>
/// The socket calls .NET does not offer as such on Linux: a <c>send</c> and a <c>sendfile</c> that
/// return at once instead of going through the async socket engine.
/// </summary>
internal static unsafe partial class LinuxSocket
{
    private const int MsgDontWait = 0x40;
    private const int MsgNoSignal = 0x4000;

    /// <summary>
    /// Sends as much of <paramref name="bytes"/> as the socket takes now, without waiting;
    /// returns how many bytes went, 0 when none.
    /// </summary>
    /// <remarks>
    /// Not corked with <c>MSG_MORE</c> to share a segment with the <c>sendfile</c> that follows
    /// (as this edge once did): under BBR congestion control (this bench host's, common on servers), corked headers made
    /// every busy connection leave BBR's startup and pace its sends, which cost about 10 us of CPU
    /// per 100 KiB hit (README, Performance). nginx sends its headers the same plain way.
    /// </remarks>
    public static int SendNow(Socket socket, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* start = bytes)
        {
            var sent = Send(socket.SafeHandle, start, (nuint)bytes.Length, MsgDontWait | MsgNoSignal);
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
