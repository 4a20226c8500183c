using System.Net;

namespace EdgeCache.Cli.Client;

/// <summary>A file as a request body that reports every chunk it sends, for the upload progress bar.</summary>
internal sealed class FileUploadContent(string file, long size, Action<long> sent) : HttpContent
{
    private const int ChunkBytes = 64 * 1024;

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (source.ConfigureAwait(false))
        {
            var buffer = new byte[ChunkBytes];
            var remaining = size;
            while (remaining > 0)
            {
                var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new CommandFailedException($"{file} became shorter while it was being published; publish again");
                }

                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                remaining -= read;
                sent(read);
            }
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = size;
        return true;
    }
}
