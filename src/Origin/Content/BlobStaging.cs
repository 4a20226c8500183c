using System.Buffers;
using System.Security.Cryptography;

namespace EdgeCache.Origin.Content;

/// <summary>How every content store takes in a blob: copied to a temp file while it is hashed and measured.</summary>
internal static class BlobStaging
{
    private const int CopyBufferSize = 81920;

    /// <summary>
    /// Copies <paramref name="content"/> to a new file at <paramref name="tempPath"/>, fsynced when
    /// <paramref name="durable"/>, and returns its SHA-256 (lower-case hex) and length; throws
    /// <see cref="ContentTooLargeException"/> past <paramref name="maxBytes"/>. The caller deletes the file on failure.
    /// </summary>
    public static async Task<(string Hash, long Size)> StageAsync(Stream content, string tempPath, long maxBytes, bool durable, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                long total = 0;
                int read;
                while ((read = await content.ReadAsync(buffer.AsMemory(0, CopyBufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    total += read;
                    if (total > maxBytes)
                    {
                        throw new ContentTooLargeException(maxBytes);
                    }

                    sha.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }

                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (durable)
                {
                    file.Flush(flushToDisk: true);
                }

                return (Convert.ToHexStringLower(sha.GetHashAndReset()), total);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
