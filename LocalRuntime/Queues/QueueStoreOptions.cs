using System.ComponentModel.DataAnnotations;

namespace LocalRuntime.Queues;

/// <summary>The host's choice of queue transport and where the embedded one keeps its file (section <c>LocalRuntime</c>).</summary>
public sealed class QueueStoreOptions
{
    /// <summary>The configuration section (<c>LocalRuntime:QueueStore</c>, <c>LocalRuntime:DataPath</c>; environment <c>LocalRuntime__QueueStore</c>).</summary>
    public const string SectionName = "LocalRuntime";

    /// <summary>The transport: <c>LocalRuntime:QueueStore</c>, else <c>LocalRuntime:DurableStore</c>, else SQLite.</summary>
    public QueueStoreKind Store { get; set; } = QueueStoreKind.Sqlite;

    /// <summary>The host's data folder (<c>LocalRuntime:DataPath</c>, default <c>.data</c> under the current directory).</summary>
    [Required]
    public string DataPath { get; set; } = ".data";

    /// <summary>The embedded queue's file.</summary>
    public string SqlitePath => Path.Combine(Path.GetFullPath(DataPath), "queues.db");
}
