using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeCache.Origin.Admin;

namespace EdgeCache.Cli.Client;

/// <summary>
/// What a mutating admin call answers: its seq and, with <c>wait=all</c>, the edges that confirmed it
/// and those still pending (null without a wait); a batch commit adds its counts.
/// </summary>
internal sealed record CommitAnswer(long Seq, int Changes, int Unchanged, IReadOnlyList<string>? Acked, IReadOnlyList<string>? Pending);

/// <summary>What a purge answers: its (last) seq and, with <c>wait=all</c>, the edges that confirmed it and those still pending.</summary>
internal sealed record PurgeAnswer(long Seq, IReadOnlyList<string>? Acked, IReadOnlyList<string>? Pending);

/// <summary><c>edgecache publish --json</c>: what was found, uploaded and committed, and who confirmed it.</summary>
internal sealed record PublishReport(
    int Files,
    int Uploaded,
    long UploadedBytes,
    int Deletes,
    long Seq,
    int Changes,
    int Unchanged,
    IReadOnlyList<string>? Acked,
    IReadOnlyList<string>? Pending);

/// <summary>The admin API as the CLI reads it: the origin's own request records, answers read leniently (an origin newer than the CLI may add fields).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PublishRequest))]
[JsonSerializable(typeof(PurgeRequest))]
[JsonSerializable(typeof(BatchStatus))]
[JsonSerializable(typeof(CommitAnswer))]
[JsonSerializable(typeof(PurgeAnswer))]
[JsonSerializable(typeof(PublishReport))]
internal sealed partial class ClientJsonContext : JsonSerializerContext;
