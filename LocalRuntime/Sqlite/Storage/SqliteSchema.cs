namespace LocalRuntime.Sqlite.Storage;

/// <summary>
/// The tables of the provider's file. Instance ids are stored as <see cref="InstanceKey"/> BLOBs (exact round trip,
/// ordinal order); times as UTC ticks; history events and messages as DTFx's typed JSON (see <see cref="DataJson"/>).
/// </summary>
internal static class SqliteSchema
{
    /// <summary>The schema version this code writes (also kept in <c>PRAGMA user_version</c>); a newer file is refused.</summary>
    public const long Version = 1;

    public const string Create = """
        CREATE TABLE IF NOT EXISTS schema_version (
            version    INTEGER NOT NULL,
            applied_at INTEGER NOT NULL
        );

        CREATE TABLE IF NOT EXISTS meta (
            name  TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;

        -- Tables holding large values are rowid tables with a unique index on their key: in a WITHOUT ROWID table the
        -- row is the b-tree key, and every search near a multi-MB value reads its overflow pages back in full.

        -- One row per instance (its current execution). Queried columns are scalars; the rest JSON.
        CREATE TABLE IF NOT EXISTS instances (
            instance_key     BLOB NOT NULL UNIQUE,
            instance_id      TEXT NOT NULL,
            execution_id     TEXT NOT NULL,
            name             TEXT NOT NULL,
            version          TEXT,
            status           INTEGER NOT NULL,
            created_at       INTEGER NOT NULL,
            last_updated_at  INTEGER NOT NULL,
            completed_at     INTEGER,
            scheduled_start  INTEGER,
            generation       INTEGER NOT NULL DEFAULT 0,
            is_entity        INTEGER NOT NULL DEFAULT 0,
            output           TEXT,
            custom_status    TEXT,
            failure          TEXT,
            tags             TEXT,
            parent           TEXT
        );
        CREATE INDEX IF NOT EXISTS ix_instances_status ON instances (status, instance_key);
        CREATE INDEX IF NOT EXISTS ix_instances_created ON instances (created_at);

        -- Inputs apart from the instance row: SQLite rewrites a whole row on UPDATE, and the instance row changes
        -- every episode while the input (possibly megabytes) changes only with a new execution.
        CREATE TABLE IF NOT EXISTS inputs (
            instance_key BLOB NOT NULL UNIQUE,
            input        TEXT
        );

        -- The current execution's history, in order.
        CREATE TABLE IF NOT EXISTS history (
            instance_key BLOB NOT NULL,
            seq          INTEGER NOT NULL,
            event        TEXT NOT NULL,
            UNIQUE (instance_key, seq)
        );

        -- Messages to instances (TaskMessage JSON), deleted by the checkpoint that consumes them. visible_at: timers,
        -- scheduled starts and delayed entity signals.
        CREATE TABLE IF NOT EXISTS messages (
            id           INTEGER PRIMARY KEY,
            instance_key BLOB NOT NULL,
            visible_at   INTEGER NOT NULL,
            message      TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ix_messages_instance ON messages (instance_key);

        -- Activity work items (TaskScheduled TaskMessage JSON), deleted when their result is committed: a second
        -- completion finds no row and adds nothing.
        CREATE TABLE IF NOT EXISTS activities (
            id           INTEGER PRIMARY KEY,
            instance_key BLOB NOT NULL,
            message      TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ix_activities_instance ON activities (instance_key);

        INSERT OR IGNORE INTO meta (name, value) VALUES ('next_id', 1);
        """;

    /// <summary>The instance columns a state read selects, in <see cref="Rows.ReadState"/> order; <c>{input}</c> is the input expression.</summary>
    public const string StateColumns =
        "instance_id, execution_id, name, version, status, created_at, last_updated_at, completed_at, scheduled_start, "
        + "generation, output, custom_status, failure, tags, parent, {input}";

    public const string InputExpression = "(SELECT i.input FROM inputs i WHERE i.instance_key = instances.instance_key)";

    public static string StateColumnsFor(bool withInput) =>
        StateColumns.Replace("{input}", withInput ? InputExpression : "NULL", StringComparison.Ordinal);

    public static string StateSelect(bool withInput) => "SELECT " + StateColumnsFor(withInput) + " FROM instances";
}
