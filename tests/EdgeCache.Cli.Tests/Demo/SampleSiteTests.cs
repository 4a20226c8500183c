using System.Buffers.Binary;
using System.IO.Compression;
using EdgeCache.Cli.Demo;

namespace EdgeCache.Cli.Tests.Demo;

public sealed class SampleSiteTests : IDisposable
{
    private readonly string _folder = Path.Combine(Directory.CreateTempSubdirectory("edgecache-site-test-").FullName, SampleSite.FolderName);

    [Fact]
    public async Task The_embedded_site_is_written_out_and_planned_with_tags_and_a_root_page()
    {
        await SampleSite.ExtractAsync(_folder, CancellationToken.None);
        var files = await SampleSite.PlanAsync(_folder, CancellationToken.None);

        Assert.Equal(
            [
                ("/", "text/html", "site html"),
                ("/about.html", "text/html", "site html"),
                ("/css/site.css", "text/css", "site css"),
                ("/img/logo.png", "image/png", "site images"),
                ("/index.html", "text/html", "site html"),
            ],
            files.Select(f => (f.ContentPath, f.ContentType, string.Join(' ', f.Tags))).OrderBy(f => f.ContentPath, StringComparer.Ordinal));
        Assert.Equal(files.Single(f => f.ContentPath == "/index.html").Hash, files.Single(f => f.ContentPath == "/").Hash);
        var index = await File.ReadAllTextAsync(Path.Combine(_folder, "index.html"));
        Assert.Contains("/css/site.css", index);
        Assert.Contains("/img/logo.png", index);
    }

    [Fact]
    public async Task Files_an_earlier_demo_left_in_the_folder_are_not_republished()
    {
        Directory.CreateDirectory(_folder);
        await File.WriteAllTextAsync(Path.Combine(_folder, "stale.html"), "from an older edgecache");

        await SampleSite.ExtractAsync(_folder, CancellationToken.None);

        Assert.False(File.Exists(Path.Combine(_folder, "stale.html")));
    }

    [Fact]
    public async Task The_logo_is_a_png_that_decodes()
    {
        await SampleSite.ExtractAsync(_folder, CancellationToken.None);
        var png = await File.ReadAllBytesAsync(Path.Combine(_folder, "img", "logo.png"));

        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], png[..8]);
        var chunks = Chunks(png[8..]);
        Assert.Equal("IHDR", chunks[0].Type);
        Assert.Equal("IEND", chunks[^1].Type);
        var width = BinaryPrimitives.ReadInt32BigEndian(chunks[0].Data);
        var height = BinaryPrimitives.ReadInt32BigEndian(chunks[0].Data.AsSpan(4));
        var (bitDepth, colorType) = (chunks[0].Data[8], chunks[0].Data[9]);
        Assert.Equal((8, 6), (bitDepth, colorType));

        // Every scanline: a filter byte and 4 bytes (RGBA) per pixel.
        using var pixels = new MemoryStream();
        using (var inflate = new ZLibStream(new MemoryStream([.. chunks.Where(c => c.Type == "IDAT").SelectMany(c => c.Data)]), CompressionMode.Decompress))
        {
            await inflate.CopyToAsync(pixels);
        }

        Assert.Equal(height * (1 + (width * 4)), pixels.Length);
    }

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_folder)!, recursive: true);

    /// <summary>The chunks after the signature, each checked against its CRC.</summary>
    private static List<(string Type, byte[] Data)> Chunks(byte[] bytes)
    {
        var chunks = new List<(string, byte[])>();
        for (var at = 0; at < bytes.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at));
            var typeAndData = bytes[(at + 4)..(at + 8 + length)];
            Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at + 8 + length)), Crc32(typeAndData));
            chunks.Add((System.Text.Encoding.ASCII.GetString(typeAndData, 0, 4), typeAndData[4..]));
            at += 12 + length;
        }

        return chunks;
    }

    /// <summary>CRC-32 (ISO-HDLC), as PNG chunks carry it.</summary>
    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
