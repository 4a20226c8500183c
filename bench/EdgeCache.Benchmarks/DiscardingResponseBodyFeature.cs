using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeCache.Benchmarks;

/// <summary>A response body that goes nowhere, through a <see cref="DiscardingPipeWriter"/>.</summary>
internal sealed class DiscardingResponseBodyFeature : IHttpResponseBodyFeature
{
    private readonly DiscardingPipeWriter _writer = new();

    public DiscardingResponseBodyFeature()
    {
        // Made once here: the stream wrapper is an object of its own.
        Stream = _writer.AsStream();
    }

    public Stream Stream { get; }

    public PipeWriter Writer => _writer;

    /// <summary>Body bytes written since the last <see cref="Reset"/>.</summary>
    public long Written => _writer.Written;

    public void Reset() => _writer.Reset();

    public void DisableBuffering()
    {
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("The edge never sends files.");

    public Task CompleteAsync() => Task.CompletedTask;
}
