using EdgeCache.Replication.Changes;

namespace EdgeCache.Origin.Tests.Content;

public sealed class DirectorySyncTests
{
    [Fact]
    public void A_directory_can_be_flushed_on_linux()
    {
        using var directory = new TestDirectory();

        Assert.Equal(OperatingSystem.IsLinux(), DirectorySync.TryFlush(directory.Path));
    }

    [Fact]
    public void A_missing_directory_is_reported_not_thrown()
    {
        using var directory = new TestDirectory();

        Assert.False(DirectorySync.TryFlush(directory.Combine("missing")));
    }
}
