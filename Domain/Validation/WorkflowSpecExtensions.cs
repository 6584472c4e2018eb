using ServerlessTasks.Domain.Model;

namespace ServerlessTasks.Domain.Validation;

/// <summary>Helpers that prepare a submitted workflow for validation.</summary>
public static class WorkflowSpecExtensions
{
    /// <summary>Returns a copy in which every task without an id gets one from <paramref name="newId"/>.</summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="newId">Produces an id for the task at the given position (must be deterministic inside orchestrators).</param>
    /// <returns>The workflow itself when every task already has an id, else a copy.</returns>
    public static WorkflowSpec WithGeneratedTaskIds(this WorkflowSpec workflow, Func<int, string> newId)
    {
        var tasks = workflow.Tasks ?? [];
        if (tasks.All(t => t.TaskId is not null))
        {
            return workflow;
        }

        var copy = new TaskSpec[tasks.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = tasks[i].TaskId is null ? tasks[i] with { TaskId = newId(i) } : tasks[i];
        }

        return workflow with { Tasks = copy };
    }
}
