namespace LocalRuntime.Sqlite;

/// <summary>The tables of the store. Instance ids are stored as <see cref="InstanceKey"/> BLOBs.</summary>
internal static class SqliteSchema
{
    /// <summary>The schema version this code writes; a file with a newer one is refused, an older one migrated.</summary>
    public const long Version = 2;

    public const string Create = """
        CREATE TABLE IF NOT EXISTS meta (
            name  TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;

        -- Tables that hold large values (inputs, outputs, history events) are rowid tables with a separate
        -- unique index on their key. In a WITHOUT ROWID table the whole row is the b-tree key: a value that
        -- spills to overflow pages is read back in full whenever a search compares against it, so after a few
        -- multi-megabyte workflows every insert nearby read megabytes (schema version 1; migrated on open).

        -- One row per instance. Queried columns are scalars; failure details and tags are JSON.
        -- instance_id repeats the key as text for people reading the file; the key is authoritative.
        CREATE TABLE IF NOT EXISTS instances (
            instance_key       BLOB NOT NULL UNIQUE,
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
        );
        -- Inputs live apart from the instance row: SQLite rewrites a whole row on UPDATE, and the row
        -- changes every episode (status, custom status) while the input (possibly megabytes) never does
        -- within an execution. instances.input is only read for files written before this table existed.
        CREATE TABLE IF NOT EXISTS inputs (
            instance_key BLOB NOT NULL UNIQUE,
            input        TEXT
        );

        CREATE INDEX IF NOT EXISTS ix_instances_status ON instances (status, instance_key);
        CREATE INDEX IF NOT EXISTS ix_instances_created ON instances (created_at);

        -- The current execution's history, clustered by instance in order.
        CREATE TABLE IF NOT EXISTS history (
            instance_key BLOB NOT NULL,
            seq          INTEGER NOT NULL,
            event        TEXT NOT NULL,
            UNIQUE (instance_key, seq)
        );

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

    /// <summary>
    /// Moves a version 1 file's WITHOUT ROWID tables aside (run before <see cref="Create"/>, which makes the new ones);
    /// <see cref="MigrateV1Copy"/> then copies the rows over and drops the old tables. One transaction does both.
    /// </summary>
    public const string MigrateV1Rename = """
        CREATE TABLE IF NOT EXISTS inputs (instance_key BLOB PRIMARY KEY, input TEXT) WITHOUT ROWID;
        ALTER TABLE instances RENAME TO instances_v1;
        ALTER TABLE inputs RENAME TO inputs_v1;
        ALTER TABLE history RENAME TO history_v1;
        DROP INDEX IF EXISTS ix_instances_status;
        DROP INDEX IF EXISTS ix_instances_created;
        """;

    /// <summary>Copies a version 1 file's rows into the new tables and drops the old ones.</summary>
    public const string MigrateV1Copy = """
        INSERT INTO instances (instance_key, instance_id, name, execution_id, status, created_at, last_updated_at,
                               parent_instance_id, input, output, custom_status, details)
            SELECT instance_key, instance_id, name, execution_id, status, created_at, last_updated_at,
                   parent_instance_id, input, output, custom_status, details FROM instances_v1;
        INSERT INTO inputs (instance_key, input) SELECT instance_key, input FROM inputs_v1;
        INSERT INTO history (instance_key, seq, event) SELECT instance_key, seq, event FROM history_v1 ORDER BY instance_key, seq;
        DROP TABLE instances_v1;
        DROP TABLE inputs_v1;
        DROP TABLE history_v1;
        """;

    public const string InstanceColumns =
        "instance_key, name, execution_id, status, created_at, last_updated_at, parent_instance_id, "
        + "COALESCE((SELECT i.input FROM inputs i WHERE i.instance_key = instances.instance_key), instances.input) AS input, "
        + "output, custom_status, details";

    /// <summary><see cref="InstanceColumns"/> without the input (status reads).</summary>
    public const string InstanceColumnsWithoutInput =
        "instance_key, name, execution_id, status, created_at, last_updated_at, parent_instance_id, NULL AS input, output, custom_status, details";
}
