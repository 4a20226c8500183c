using EdgeCache.Replication.Changes;

namespace EdgeCache.Replication.Tests.Changes;

public sealed class PublishedHeadTests
{
    [Fact]
    public async Task A_wait_completes_once_the_head_passes_it_and_not_before()
    {
        var published = new PublishedHead();
        published.Advance(3);
        var pastThree = published.WaitPastAsync(3);
        var pastFive = published.WaitPastAsync(5);

        Assert.True(published.WaitPastAsync(2).IsCompletedSuccessfully);
        Assert.False(pastThree.IsCompleted);
        published.Advance(5);
        await pastThree.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(pastFive.IsCompleted);
        published.Advance(6);
        await pastFive.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void The_head_never_moves_back()
    {
        var published = new PublishedHead();
        published.Advance(7);
        published.Advance(4);

        Assert.Equal(7, published.Seq);
        Assert.Throws<ArgumentOutOfRangeException>(() => published.Advance(-1));
    }

    [Fact]
    public async Task A_cancelled_wait_ends_with_cancellation()
    {
        var published = new PublishedHead();
        using var cancel = new CancellationTokenSource();
        var waiting = published.WaitPastAsync(0, cancel.Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }
}
