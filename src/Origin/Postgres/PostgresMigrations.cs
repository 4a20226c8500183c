namespace EdgeCache.Origin.Postgres;

/// <summary>
/// The schema, as numbered steps. A database is brought to the newest step at start, each step
/// once, in order, in one transaction under an advisory lock, so origins starting together
/// neither race nor see half a schema. Steps are only ever added, never edited.
/// </summary>
internal static class PostgresMigrations
{
    /// <summary>The steps, version 1 first.</summary>
    public static readonly IReadOnlyList<string> Steps =
    [
        // 1: the change log. The single state row is what appenders lock, so seqs are gapless
        // across origins; append_id lets a retried append find out whether its lost commit landed.
        """
        CREATE TABLE edgecache_log_state (
            id int PRIMARY KEY CHECK (id = 1),
            head bigint NOT NULL,
            low_water_mark bigint NOT NULL);
        INSERT INTO edgecache_log_state (id, head, low_water_mark) VALUES (1, 0, 1);
        CREATE TABLE edgecache_log (
            seq bigint PRIMARY KEY,
            append_id uuid NOT NULL,
            entry text NOT NULL);
        CREATE INDEX edgecache_log_append_id ON edgecache_log (append_id);
        """,

        // 2: content. Blobs by SHA-256; pins keep the collector off blobs a publish is about to
        // reference, whichever origin runs it; the manifest keeps a deleted path as a row without
        // a hash (a tombstone) so an origin refreshing from a seq sees the delete.
        """
        CREATE TABLE edgecache_blobs (
            hash text PRIMARY KEY,
            size bigint NOT NULL,
            data bytea NOT NULL,
            written_at timestamptz NOT NULL);
        CREATE TABLE edgecache_blob_pins (
            lease uuid NOT NULL,
            hash text NOT NULL,
            pinned_at timestamptz NOT NULL,
            PRIMARY KEY (lease, hash));
        CREATE INDEX edgecache_blob_pins_hash ON edgecache_blob_pins (hash);
        CREATE TABLE edgecache_manifest_state (
            id int PRIMARY KEY CHECK (id = 1),
            applied_seq bigint NOT NULL);
        INSERT INTO edgecache_manifest_state (id, applied_seq) VALUES (1, 0);
        CREATE TABLE edgecache_manifest (
            path text PRIMARY KEY,
            seq bigint NOT NULL,
            hash text,
            item text);
        CREATE INDEX edgecache_manifest_seq ON edgecache_manifest (seq);
        CREATE INDEX edgecache_manifest_hash ON edgecache_manifest (hash);
        """,

        // 3: the fleet. Each origin writes only its own rows (what it observed of each edge), so
        // origins never contend; every origin reads the others' rows and merges them.
        """
        CREATE TABLE edgecache_fleet (
            edge_id text NOT NULL,
            origin_id uuid NOT NULL,
            region text NOT NULL,
            endpoint text,
            applied bigint NOT NULL,
            last_seen timestamptz NOT NULL,
            open_streams int NOT NULL,
            hits bigint,
            misses bigint,
            entries bigint,
            bytes bigint,
            PRIMARY KEY (edge_id, origin_id));
        """,
    ];
}
