using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeCache.Replication.Changes;
using EdgeCache.Replication.Fleet;

namespace EdgeCache.Replication.Feed;

/// <summary>JSON (camelCase) of every replication message, shared by origin and edge.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChangeEntry))]
[JsonSerializable(typeof(FeedHeartbeat))]
[JsonSerializable(typeof(FeedReset))]
[JsonSerializable(typeof(ManifestReport))]
[JsonSerializable(typeof(AckReport))]
[JsonSerializable(typeof(FleetReport))]
[JsonSerializable(typeof(WaitReport))]
[JsonSerializable(typeof(EdgeCacheReport))]
[JsonSerializable(typeof(PathStatusReport))]
public sealed partial class ReplicationJsonContext : JsonSerializerContext;
