using Microsoft.AspNetCore.StaticFiles;

namespace EdgeCache.Origin.Content;

/// <summary>The media type a published file gets from its name, as <c>--content</c> and <c>edgecache publish</c> assign it.</summary>
public static class MediaTypes
{
    /// <summary>What a file of unknown type is served as.</summary>
    public const string Default = "application/octet-stream";

    private static readonly FileExtensionContentTypeProvider Known = new();

    /// <summary>The media type for <paramref name="path"/>'s extension, or <see cref="Default"/>.</summary>
    public static string For(string path) => Known.TryGetContentType(path, out var type) ? type : Default;
}
