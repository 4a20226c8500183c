namespace EdgeCache.Origin.Publishing;

/// <summary>
/// Held while a publish decides, appends and applies its changes, so the manifest it decides on is
/// the one its changes follow. One process: a semaphore; origins sharing PostgreSQL: also a lock
/// in the database.
/// </summary>
internal interface IPublishLock
{
    /// <summary>Waits for the lock; dispose the result to release it.</summary>
    Task<IAsyncDisposable> AcquireAsync(CancellationToken cancellationToken);
}

/// <summary>The lock of an origin that is alone with its store.</summary>
internal sealed class LocalPublishLock : IPublishLock
{
    private readonly SemaphoreSlim _semaphore = new(1, 1);

    public async Task<IAsyncDisposable> AcquireAsync(CancellationToken cancellationToken)
    {
        await _semaphore.WaitAsync(cancellationToken);
        return new Held(_semaphore);
    }

    private sealed class Held(SemaphoreSlim semaphore) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }

            return ValueTask.CompletedTask;
        }
    }
}
