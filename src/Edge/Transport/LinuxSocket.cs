using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace EdgeCache.Edge.Transport;

/// <summary>The one socket call .NET does not offer: <c>send</c> with <c>MSG_MORE</c> (Linux).</summary>
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

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial nint Send(SafeSocketHandle socket, byte* buffer, nuint length, int flags);
}
