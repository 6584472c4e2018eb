using Microsoft.Azure.Functions.Worker;
using ServerlessTasks.Activities;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.DeadLetters;

/// <summary>The index reads the redrive and rerun orchestrations make (orchestrators do no I/O).</summary>
public sealed class DeadLetterActivities(ITaskIndex index)
{
    /// <summary>One task's index entry (null when unknown).</summary>
    [Function(nameof(ReadTaskEntry))]
    public Task<TaskIndexEntry?> ReadTaskEntry([ActivityTrigger] DependencyRef task, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(task);
        return index.GetAsync(task.WorkflowId, task.TaskId, cancellation);
    }

    /// <summary>Every task entry of a workflow.</summary>
    [Function(nameof(ReadWorkflowEntries))]
    public Task<IReadOnlyList<TaskIndexEntry>> ReadWorkflowEntries([ActivityTrigger] string workflowId, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(workflowId);
        return index.ListWorkflowAsync(workflowId, cancellation);
    }
}
