using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.Edge.Compression;

/// <summary>
/// The response body of one proxied request, in front of the real one (a client's, or a cache
/// fill's). When the response starts, its headers are complete: the body then decides once
/// whether to compress (<see cref="CompressionPolicy.IsCompressible"/>), rewrites the headers to
/// describe the variant, and compresses what the forwarder writes. A declared length up to
/// <see cref="CompressionPolicy.MaxBufferedBytes"/> is compressed whole first, so the variant goes
/// out with its own <c>Content-Length</c>; anything else streams.
/// </summary>
internal sealed class CompressingBody : Stream, IHttpResponseBodyFeature
{
    private readonly HttpContext _context;
    private readonly IHttpResponseBodyFeature _inner;
    private readonly CompressionPolicy _policy;
    private readonly ContentCoding _coding;
    private readonly List<(string Variant, string Upstream)>? _rewrittenTags;
    private Mode _mode;
    private EncodedSink? _sink;
    private Stream? _encoder;
    private FileBufferingWriteStream? _buffer;
    private PipeWriter? _writer;

    public CompressingBody(
        HttpContext context,
        IHttpResponseBodyFeature inner,
        CompressionPolicy policy,
        ContentCoding coding,
        List<(string Variant, string Upstream)>? rewrittenTags)
    {
        _context = context;
        _inner = inner;
        _policy = policy;
        _coding = coding;
        _rewrittenTags = rewrittenTags;
    }

    private enum Mode
    {
        /// <summary>The response has not started: its headers may still change.</summary>
        Undecided,

        /// <summary>The body goes through untouched.</summary>
        AsIs,

        /// <summary>Compressed as it arrives, without a length.</summary>
        Streaming,

        /// <summary>Compressed into a buffer, sent with its length at the end.</summary>
        Buffered,

        /// <summary>Finished or abandoned: nothing more is written.</summary>
        Closed,
    }

    Stream IHttpResponseBodyFeature.Stream => this;

    public PipeWriter Writer => _writer ??= PipeWriter.Create(this, new StreamPipeWriterOptions(leaveOpen: true));

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public void DisableBuffering() => _inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        Decide();
        // A buffered variant's headers go out with its body, once its length is known.
        return _mode == Mode.Buffered ? Task.CompletedTask : _inner.StartAsync(cancellationToken);
    }

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        Decide();
        return _mode == Mode.AsIs
            ? _inner.SendFileAsync(path, offset, count, cancellationToken)
            : SendFileFallback.SendFileAsync(this, path, offset, count, cancellationToken);
    }

    public async Task CompleteAsync()
    {
        await FinishAsync();
        await _inner.CompleteAsync();
    }

    /// <summary>
    /// Ends the response body: decides a response that wrote none (a HEAD, a 304), writes the
    /// encoder's final block, and sends a buffered variant with its length.
    /// </summary>
    public async Task FinishAsync()
    {
        if (_writer is not null)
        {
            await _writer.FlushAsync(_context.RequestAborted);
        }

        Decide();
        var mode = _mode;
        _mode = Mode.Closed;
        if (mode is not (Mode.Streaming or Mode.Buffered))
        {
            return;
        }

        await _encoder!.DisposeAsync();
        _encoder = null;
        if (mode == Mode.Buffered)
        {
            _context.Response.ContentLength = _buffer!.Length;
            await _buffer.DrainBufferAsync(_inner.Stream, _context.RequestAborted);
            await _buffer.DisposeAsync();
            _buffer = null;
        }
    }

    /// <summary>Drops whatever is not written yet: the response broke, or something else answers instead.</summary>
    public void Abandon()
    {
        _mode = Mode.Closed;
        _sink?.Detach();
        _encoder?.Dispose();
        _buffer?.Dispose();
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        Decide();
        switch (_mode)
        {
            case Mode.AsIs:
                await _inner.Stream.FlushAsync(cancellationToken);
                break;
            case Mode.Streaming:
                // Whoever flushes wants the bytes so far delivered, compressed or not.
                await _encoder!.FlushAsync(cancellationToken);
                break;
        }
    }

    public override void Write(byte[] buffer, int offset, int count)
        => WriteAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Decide();
        return _mode switch
        {
            Mode.AsIs => _inner.Stream.WriteAsync(buffer, cancellationToken),
            Mode.Streaming => WriteStreamingAsync(buffer, cancellationToken),
            Mode.Buffered => _encoder!.WriteAsync(buffer, cancellationToken),
            _ => throw new InvalidOperationException("The response body is finished."),
        };
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>
    /// Compresses what the upstream sent so far and passes it on at once: an encoder left alone
    /// holds its input until its window fills, and a page the upstream streams (its head first,
    /// events, progress) would reach the client only at the end. Each flush costs a few bytes.
    /// </summary>
    private async ValueTask WriteStreamingAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await _encoder!.WriteAsync(buffer, cancellationToken);
        await _encoder.FlushAsync(cancellationToken);
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Abandon();
        }

        base.Dispose(disposing);
    }

    private void Decide()
    {
        if (_mode != Mode.Undecided)
        {
            return;
        }

        _mode = Mode.AsIs;
        var response = _context.Response;
        var headers = response.Headers;
        if (response.StatusCode == StatusCodes.Status304NotModified)
        {
            RestoreVariantTag(headers);
            return;
        }

        if (!_policy.IsCompressible(response))
        {
            return;
        }

        // Even the identity copy of a compressible response depends on Accept-Encoding: a cache
        // must not give it to a client that takes brotli, nor the brotli copy to one that does not.
        headers.Vary = VaryField.WithAcceptEncoding(headers.Vary);
        if (_coding == ContentCoding.Identity)
        {
            return;
        }

        headers.ContentEncoding = ContentCodingNames.Token(_coding);
        if (headers.ETag.Count > 0)
        {
            // A tag that is not one cannot be made the variant's; better none than the identity copy's.
            if (VariantETag.Create(headers.ETag.ToString(), _coding) is { } variant)
            {
                headers.ETag = variant;
            }
            else
            {
                headers.Remove(HeaderNames.ETag);
            }
        }

        headers.Remove(HeaderNames.ContentMD5);
        var declared = headers.ContentLength;
        headers.ContentLength = null;
        if (HttpMethods.IsHead(_context.Request.Method))
        {
            // No body to compress: the headers describe the variant, whose length is not known.
            return;
        }

        var buffered = declared <= _policy.MaxBufferedBytes;
        Stream target = buffered
            ? _buffer = new FileBufferingWriteStream(memoryThreshold: (int)Math.Min(int.MaxValue, _policy.MaxBufferedBytes + 1024))
            : _inner.Stream;
        _sink = new EncodedSink(target);
        _encoder = _policy.CreateEncoder(_coding, _sink);
        _mode = buffered ? Mode.Buffered : Mode.Streaming;
    }

    /// <summary>
    /// A 304 to a conditional request whose variant tags were rewritten to the upstream's: it
    /// confirms the variant, so it carries the variant's tag (the stored variant keeps its own),
    /// and its <c>Vary</c>, which replaces the stored one, keeps <c>Accept-Encoding</c>.
    /// </summary>
    private void RestoreVariantTag(IHeaderDictionary headers)
    {
        if (_rewrittenTags is null || headers.ETag.Count == 0 || VariantETag.FromUpstream(headers.ETag.ToString(), _rewrittenTags) is not { } variant)
        {
            return;
        }

        headers.ETag = variant;
        if (headers.Vary.Count > 0)
        {
            headers.Vary = VaryField.WithAcceptEncoding(headers.Vary);
        }
    }
}
