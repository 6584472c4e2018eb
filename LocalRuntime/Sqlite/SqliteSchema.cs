namespace LocalRuntime.Sqlite;

/// <summary>The tables of the store. Instance ids are stored as <see cref="InstanceKey"/> BLOBs.</summary>
internal static class SqliteSchema
{
    /// <summary>The schema version this code writes; a file with a newer one is refused.</summary>
    public const long Version = 1;

    public const string Create = """
        CREATE TABLE IF NOT EXISTS meta (
            name  TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;

        -- One row per instance. Queried columns are scalars; failure details and tags are JSON.
        -- instance_id repeats the key as text for people reading the file; the key is authoritative.
        CREATE TABLE IF NOT EXISTS instances (
            instance_key       BLOB PRIMARY KEY,
            instance_id        TEXT NOT NULL,
            name               TEXT NOT NULL,
            execution_id       TEXT NOT NULL,
            status             INTEGER NOT NULL,
            created_at         INTEGER NOT NULL,
            last_updated_at    INTEGER NOT NULL,
            parent_instance_id TEXT,
            input              TEXT,
            output             TEXT,
            custom_status      TEXT,
            details            TEXT
        ) WITHOUT ROWID;
        -- Inputs live apart from the instance row: SQLite rewrites a whole row on UPDATE, and the row
        -- changes every episode (status, custom status) while the input (possibly megabytes) never does
        -- within an execution. instances.input is only read for files written before this table existed.
        CREATE TABLE IF NOT EXISTS inputs (
            instance_key BLOB PRIMARY KEY,
            input        TEXT
        ) WITHOUT ROWID;

        CREATE INDEX IF NOT EXISTS ix_instances_status ON instances (status, instance_key);
        CREATE INDEX IF NOT EXISTS ix_instances_created ON instances (created_at);

        -- The current execution's history, clustered by instance in order.
        CREATE TABLE IF NOT EXISTS history (
            instance_key BLOB NOT NULL,
            seq          INTEGER NOT NULL,
            event        TEXT NOT NULL,
            PRIMARY KEY (instance_key, seq)
        ) WITHOUT ROWID;

        -- Messages to instances, deleted by the checkpoint that consumes them.
        CREATE TABLE IF NOT EXISTS messages (
            id           INTEGER PRIMARY KEY,
            instance_key BLOB NOT NULL,
            execution_id TEXT,
            visible_at   INTEGER,
            event        TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ix_messages_instance ON messages (instance_key);

        -- Activity work items, deleted when their result is committed.
        CREATE TABLE IF NOT EXISTS activities (
            id            INTEGER PRIMARY KEY,
            instance_key  BLOB NOT NULL,
            execution_id  TEXT NOT NULL,
            task_id       INTEGER NOT NULL,
            name          TEXT NOT NULL,
            input         TEXT,
            dequeue_count INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ix_activities_instance ON activities (instance_key);

        INSERT OR IGNORE INTO meta (name, value) VALUES ('max_id', 0);
        """;

    public const string InstanceColumns =
        "instance_key, name, execution_id, status, created_at, last_updated_at, parent_instance_id, "
        + "COALESCE((SELECT i.input FROM inputs i WHERE i.instance_key = instances.instance_key), instances.input) AS input, "
        + "output, custom_status, details";

    /// <summary><see cref="InstanceColumns"/> without the input (status reads).</summary>
    public const string InstanceColumnsWithoutInput =
        "instance_key, name, execution_id, status, created_at, last_updated_at, parent_instance_id, NULL AS input, output, custom_status, details";
}
