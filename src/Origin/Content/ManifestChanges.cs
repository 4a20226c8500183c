using EdgeCache.Replication.Changes;

namespace EdgeCache.Origin.Content;

/// <summary>How logged changes become manifest items; the same for every <see cref="IContentStore"/>.</summary>
internal static class ManifestChanges
{
    private const string DefaultContentType = "application/octet-stream";

    /// <summary>Checks a batch before anything is applied: seqs set and increasing, known ops, valid paths, put ETags and sizes.</summary>
    /// <exception cref="ArgumentException">An entry is malformed or the seqs are not increasing.</exception>
    public static void Validate(IReadOnlyList<ChangeEntry> changes)
    {
        long previous = 0;
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i] ?? throw new ArgumentException($"change #{i} is null", nameof(changes));
            if (change.Seq <= 0)
            {
                throw new ArgumentException($"change #{i} has no seq; append it to the change log first", nameof(changes));
            }

            if (change.Seq <= previous)
            {
                throw new ArgumentException($"change #{i} (seq {change.Seq}) does not follow seq {previous}", nameof(changes));
            }

            previous = change.Seq;
            if (!ChangeOps.IsKnown(change.Op))
            {
                throw new ArgumentException($"change seq {change.Seq} has an unknown op '{change.Op}'", nameof(changes));
            }

            if (change.Op is not (ChangeOps.Put or ChangeOps.Delete))
            {
                continue;
            }

            if (!ContentPath.TryNormalize(change.Path, out _, out var error))
            {
                throw new ArgumentException($"change seq {change.Seq}: {error}", nameof(changes));
            }

            if (change.Op == ChangeOps.Put)
            {
                if (!FileContentStore.TryParseETag(change.ETag, out _))
                {
                    throw new ArgumentException($"change seq {change.Seq}: the etag is not a quoted SHA-256 hash", nameof(changes));
                }

                if (change.Size is null or < 0)
                {
                    throw new ArgumentException($"change seq {change.Seq}: a put needs a size", nameof(changes));
                }
            }
        }
    }

    /// <summary>The manifest item a (validated) put makes.</summary>
    public static ContentItem ToItem(ChangeEntry change)
    {
        FileContentStore.TryParseETag(change.ETag, out var hash);
        return new ContentItem(
            change.Path!,
            hash,
            change.Size!.Value,
            string.IsNullOrEmpty(change.ContentType) ? DefaultContentType : change.ContentType,
            change.Tags is { } tags ? [.. tags] : [],
            change.CacheControl,
            change.At,
            change.Seq);
    }
}
