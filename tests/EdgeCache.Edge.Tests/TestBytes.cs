namespace EdgeCache.Edge.Tests;

/// <summary>Test bodies whose bytes differ from position to position, so a misplaced or repeated slice shows.</summary>
internal static class TestBytes
{
    public static byte[] Pattern(int length, int seed = 7)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 31) + seed + (i / 251));
        }

        return bytes;
    }
}
