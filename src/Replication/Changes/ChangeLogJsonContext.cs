using System.Text.Json.Serialization;

namespace EdgeCache.Replication.Changes;

/// <summary>Source-generated (trim- and AOT-safe) JSON for the records of the change log.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ChangeEntry))]
internal sealed partial class ChangeLogJsonContext : JsonSerializerContext;
