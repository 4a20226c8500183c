namespace EdgeCache.Cli.Demo;

/// <summary>
/// Where the demo's origin keeps its files: the folder <c>--data</c> names, kept at exit, or a new
/// temporary folder that is removed at exit, so a demo leaves nothing behind unless asked to.
/// </summary>
internal sealed class DemoDataFolder
{
    private DemoDataFolder(string path, bool temporary)
    {
        Path = path;
        IsTemporary = temporary;
    }

    public string Path { get; }

    public bool IsTemporary { get; }

    /// <summary>How the <c>data</c> line shows it.</summary>
    public string Description => IsTemporary ? Path + " (removed at exit)" : Path;

    /// <summary>The folder <paramref name="given"/> names (the origin creates it if missing), else a new temporary one.</summary>
    public static DemoDataFolder Use(string? given)
        => given is null
            ? new DemoDataFolder(Directory.CreateTempSubdirectory("edgecache-demo-").FullName, temporary: true)
            : new DemoDataFolder(System.IO.Path.GetFullPath(given), temporary: false);

    /// <summary>Deletes a temporary folder (never a given one); answers why it could not, or null.</summary>
    public string? RemoveIfTemporary()
    {
        if (!IsTemporary)
        {
            return null;
        }

        try
        {
            Directory.Delete(Path, recursive: true);
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            return $"could not remove {Path}: {failure.Message}";
        }
    }
}
