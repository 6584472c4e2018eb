using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.TaskIndex;

/// <summary>
/// A filter over the task index (every criterion optional; all given ones must hold).
/// </summary>
/// <param name="Status">Only tasks in this status.</param>
/// <param name="Priority">Only tasks of this priority.</param>
/// <param name="Prefix">Only tasks whose task id or workflow id starts with it (ordinal).</param>
/// <param name="CreatedFrom">Only tasks created at or after it.</param>
/// <param name="CreatedTo">Only tasks created at or before it.</param>
/// <param name="SingleTasksOnly">Only tasks submitted on their own (<see cref="TaskIndexEntry.SingleTaskWorkflowId"/>), not workflow tasks.</param>
public sealed record TaskQuery(
    WorkflowTaskStatus? Status = null,
    int? Priority = null,
    string? Prefix = null,
    DateTimeOffset? CreatedFrom = null,
    DateTimeOffset? CreatedTo = null,
    bool SingleTasksOnly = false)
{
    /// <summary>Whether <paramref name="entry"/> passes the filter (the reference every store's own query agrees with).</summary>
    public bool Matches(TaskIndexEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return (Status is null || entry.Status == Status)
            && (Priority is null || entry.Priority == Priority)
            && (Prefix is null || entry.TaskId.StartsWith(Prefix, StringComparison.Ordinal) || entry.WorkflowId.StartsWith(Prefix, StringComparison.Ordinal))
            && (CreatedFrom is null || entry.CreatedAt >= CreatedFrom)
            && (CreatedTo is null || entry.CreatedAt <= CreatedTo)
            && (!SingleTasksOnly || entry.WorkflowId == TaskIndexEntry.SingleTaskWorkflowId(entry.TaskId));
    }

    /// <summary>
    /// The query answered by reading <see cref="ITaskIndex.ListAsync"/> in pages and filtering (for stores without a
    /// query of their own): exact, but linear in the tasks of <see cref="Status"/>.
    /// </summary>
    public static async Task<TaskIndexPage> ScanAsync(ITaskIndex index, TaskQuery query, int limit, int offset, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(query);
        const int Chunk = 1000;
        var items = new List<TaskIndexEntry>(Math.Min(limit, Chunk));
        var total = 0;
        for (var at = 0; ; at += Chunk)
        {
            var page = await index.ListAsync(query.Status, Chunk, at, cancellation);
            foreach (var entry in page.Items)
            {
                if (query.Matches(entry))
                {
                    if (total >= offset && items.Count < limit)
                    {
                        items.Add(entry);
                    }

                    total++;
                }
            }

            if (page.Items.Count < Chunk)
            {
                return new TaskIndexPage(items, total);
            }
        }
    }
}
