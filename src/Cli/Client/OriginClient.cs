using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EdgeCache.Origin.Admin;
using EdgeCache.Replication.Feed;
using EdgeCache.Replication.Fleet;
using EdgeCache.Replication.Http;

namespace EdgeCache.Cli.Client;

/// <summary>
/// The origin's admin API for operators: publish batches, purge, fleet and path status. Every
/// failure a person can meet (unreachable, wrong token, an answer that is not the API, a refusal)
/// becomes a <see cref="CommandFailedException"/> with one clear line.
/// </summary>
internal sealed class OriginClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly TimeSpan _callTimeout;

    /// <param name="origin">The origin's base URL.</param>
    /// <param name="token">Its admin bearer token.</param>
    /// <param name="callTimeout">How long one call (other than an upload, and on top of a wait) may take.</param>
    public OriginClient(Uri origin, string token, TimeSpan callTimeout)
    {
        Origin = origin;
        _callTimeout = callTimeout;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) })
        {
            BaseAddress = origin,
            // Uploads of large files run as long as they need; other calls get their own deadline.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>The origin's base URL.</summary>
    public Uri Origin { get; }

    /// <summary><c>POST /_admin/publish</c>: opens a batch and learns which blobs the origin lacks.</summary>
    public Task<BatchStatus> OpenBatchAsync(PublishRequest request, CancellationToken cancellationToken)
        => SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, "_admin/publish") { Content = JsonContent.Create(request, ClientJsonContext.Default.PublishRequest) },
            ClientJsonContext.Default.BatchStatus,
            _callTimeout,
            cancellationToken);

    /// <summary><c>PUT /_admin/publish/{batch}/blobs/{hash}</c> with the file's bytes; <paramref name="sent"/> hears of every chunk.</summary>
    public async Task UploadBlobAsync(string batch, string hash, string file, long size, Action<long> sent, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"_admin/publish/{Uri.EscapeDataString(batch)}/blobs/{hash}")
        {
            Content = new FileUploadContent(file, size, sent),
        };
        using var response = await SendOnceAsync(request, Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>POST /_admin/publish/{batch}/commit</c>. A commit whose answer is lost is asked again: the
    /// origin answers a repeated commit with the first commit's report, so nothing is applied twice.
    /// </summary>
    public async Task<CommitAnswer> CommitAsync(string batch, TimeSpan? wait, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await SendAsync(
                    () => new HttpRequestMessage(HttpMethod.Post, $"_admin/publish/{Uri.EscapeDataString(batch)}/commit{WaitQuery(wait)}"),
                    ClientJsonContext.Default.CommitAnswer,
                    _callTimeout + (wait ?? TimeSpan.Zero),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (CommandFailedException lost) when (attempt < 3 && lost.InnerException is { } cause && NetworkFailure.Is(cause) && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary><c>DELETE /_admin/publish/{batch}</c>, so a failed publish does not hold one of the origin's open batches until it expires. Best effort.</summary>
    public async Task AbortAsync(string batch)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            using var response = await _http.DeleteAsync($"_admin/publish/{Uri.EscapeDataString(batch)}", timeout.Token).ConfigureAwait(false);
        }
        catch (Exception abandoned) when (NetworkFailure.Is(abandoned) || abandoned is OperationCanceledException)
        {
            // It expires on the origin (BatchExpiry) and is dropped by its maintenance.
        }
    }

    /// <summary><c>POST /_admin/purge</c>.</summary>
    public Task<PurgeAnswer> PurgeAsync(PurgeRequest request, TimeSpan? wait, CancellationToken cancellationToken)
        => SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, "_admin/purge" + WaitQuery(wait)) { Content = JsonContent.Create(request, ClientJsonContext.Default.PurgeRequest) },
            ClientJsonContext.Default.PurgeAnswer,
            _callTimeout + (wait ?? TimeSpan.Zero),
            cancellationToken);

    /// <summary><c>GET /_admin/fleet</c>: the report and the origin's JSON as it came.</summary>
    public Task<(FleetReport Report, string Json)> FleetAsync(CancellationToken cancellationToken)
        => GetWithJsonAsync("_admin/fleet", ReplicationJsonContext.Default.FleetReport, cancellationToken);

    /// <summary><c>GET /_admin/status?path=</c>: what every connected edge holds at the path, and the origin's JSON as it came.</summary>
    public Task<(PathStatusReport Report, string Json)> PathStatusAsync(string path, CancellationToken cancellationToken)
        => GetWithJsonAsync("_admin/status?path=" + Uri.EscapeDataString(path), ReplicationJsonContext.Default.PathStatusReport, cancellationToken);

    /// <summary><c>GET /_replication/manifest</c>: every published path.</summary>
    public async Task<ManifestReport> ManifestAsync(CancellationToken cancellationToken)
        => (await GetWithJsonAsync(FeedProtocol.ManifestPath.TrimStart('/'), ReplicationJsonContext.Default.ManifestReport, cancellationToken).ConfigureAwait(false)).Report;

    public void Dispose() => _http.Dispose();

    private static string WaitQuery(TimeSpan? wait)
        => wait is { } timeout ? FormattableString.Invariant($"?wait=all&timeout={Math.Max(1, (long)timeout.TotalMilliseconds)}ms") : string.Empty;

    private async Task<(T Report, string Json)> GetWithJsonAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await SendOnceAsync(request, _callTimeout, cancellationToken).ConfigureAwait(false);
        var json = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return (Parse(json, type), json);
    }

    private async Task<T> SendAsync<T>(Func<HttpRequestMessage> build, JsonTypeInfo<T> type, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var request = build();
        using var response = await SendOnceAsync(request, timeout, cancellationToken).ConfigureAwait(false);
        return Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false), type);
    }

    /// <summary>Sends one request and answers its (2xx) response; everything else is an <see cref="CommandFailedException"/>.</summary>
    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException failed) when (failed.InnerException is CommandFailedException own)
        {
            throw own;
        }
        catch (Exception failed) when (NetworkFailure.Is(failed))
        {
            throw new CommandFailedException($"cannot reach the origin at {Origin}: {Reason(failed)}", failed);
        }
        catch (OperationCanceledException timedOut) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CommandFailedException($"the origin at {Origin} did not answer within {Seconds(timeout)}", timedOut);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var error = await ErrorOf(response, cancellationToken).ConfigureAwait(false);
            throw response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => new CommandFailedException($"the origin at {Origin} refused the token (401): check --token or EDGECACHE_TOKEN"),
                HttpStatusCode.Forbidden => new CommandFailedException($"the origin at {Origin} has its admin API off (403): it was started without --token"),
                _ => new CommandFailedException($"the origin refused {request.Method} {request.RequestUri?.AbsolutePath} ({(int)response.StatusCode}): {error}"),
            };
        }
    }

    private T Parse<T>(string json, JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new JsonException("null");
        }
        catch (JsonException)
        {
            throw new CommandFailedException($"{Origin} answered something that is not the EdgeCache admin API; is it an EdgeCache origin?");
        }
    }

    private static async Task<string> ErrorOf(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.String)
            {
                return error.GetString()!;
            }
        }
        catch (JsonException)
        {
            // Not the admin API's error shape: fall back to the status line.
        }

        return response.ReasonPhrase ?? "no reason given";
    }

    private static string Reason(Exception failed)
        => (failed as SocketException ?? failed.InnerException as SocketException) is { } socket ? socket.Message.ToLowerInvariant() : failed.Message;

    private static string Seconds(TimeSpan timeout)
        => timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + "s";
}
