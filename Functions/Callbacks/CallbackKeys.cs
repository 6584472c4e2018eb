using System.Globalization;

namespace ServerlessTasks.Functions.Callbacks;

/// <summary>
/// Delivery ids. Workflow and task ids may contain <c>:</c> (single tasks' instance ids do), so each id part is
/// escaped (<c>%</c> to <c>%25</c>, <c>:</c> to <c>%3A</c>) and the kinds differ in their number of parts: no two
/// deliveries of different workflows, tasks or events can share an id (and so suppress one another).
/// </summary>
public static class CallbackKeys
{
    /// <summary>An orchestration's own completion (workflow, or single task): <c>callback:{workflow}:completed</c>.</summary>
    public static string Completion(string workflowId) => Format($"callback:{Part(workflowId)}:completed");

    /// <summary>
    /// The completion of a later run of an orchestration (a redriven task, a rerun workflow):
    /// <c>callback:{workflow}:completed:run:{n}</c>, so the new outcome is delivered even though the first run's was.
    /// Run 0 is <see cref="Completion"/>.
    /// </summary>
    public static string RunCompletion(string workflowId, int run) =>
        run <= 0 ? Completion(workflowId) : Format($"callback:{Part(workflowId)}:completed:run:{run.ToString(System.Globalization.CultureInfo.InvariantCulture)}");

    /// <summary>A task event a workflow's callback subscribed to: <c>callback:{workflow}:{event}:{task}</c>.</summary>
    public static string TaskEvent(string workflowId, string eventName, string taskId) => Format($"callback:{Part(workflowId)}:{eventName}:{Part(taskId)}");

    /// <summary>An event of a task's own callback inside a workflow: <c>callback:{workflow}:task:{task}:{event}</c>.</summary>
    public static string OwnTaskEvent(string workflowId, string taskId, string eventName) => Format($"callback:{Part(workflowId)}:task:{Part(taskId)}:{eventName}");

    /// <summary>
    /// The ids deliveries recorded before the escaping had (parts unescaped), for reading older records: equal to the
    /// current id unless an id contains <c>:</c> or <c>%</c> (every single task's does: <c>task:{id}</c>).
    /// </summary>
    public static string LegacyCompletion(string workflowId) => Format($"callback:{workflowId}:completed");

    /// <inheritdoc cref="LegacyCompletion"/>
    public static string LegacyOwnTaskEvent(string workflowId, string taskId, string eventName) => Format($"callback:{workflowId}:task:{taskId}:{eventName}");

    /// <summary>A stable 64-bit FNV-1a hash of ids, as hex (the same in every process and version).</summary>
    public static string Hash(IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var hash = 14695981039346656037UL;
        foreach (var id in ids)
        {
            foreach (var c in id)
            {
                hash = (hash ^ c) * 1099511628211UL;
            }

            hash = (hash ^ '\n') * 1099511628211UL;
        }

        return hash.ToString("x16", CultureInfo.InvariantCulture);
    }

    private static string Part(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Replace("%", "%25", StringComparison.Ordinal).Replace(":", "%3A", StringComparison.Ordinal);
    }

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
