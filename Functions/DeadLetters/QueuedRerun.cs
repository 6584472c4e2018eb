using System.Security.Cryptography;
using System.Text;

namespace ServerlessTasks.Functions.DeadLetters;

/// <summary>A workflow task's rerun claimed while the workflow ran, waiting for the run to end.</summary>
/// <param name="WorkflowId">The workflow.</param>
/// <param name="TaskId">The claimed task.</param>
/// <param name="Run">The claim's run number (its <see cref="TaskIndex.TaskIndexEntry.Redrives"/>).</param>
public sealed record QueuedRerun(string WorkflowId, string TaskId, int Run)
{
    /// <summary>
    /// The queue orchestration's instance id: one per claim, so asking again for the same run finds it. The task id is
    /// hashed (it may be up to 4 KB and hold any character); the workflow id is already an instance id.
    /// </summary>
    public string InstanceId =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"rerun-queue:{WorkflowId}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(TaskId)))[..32]}:{Run}");
}

/// <summary>What <see cref="DeadLetterActivities.StartQueuedRerun"/> found.</summary>
public enum QueuedRerunState
{
    /// <summary>The workflow still runs (or another rerun of it does that may not have taken the claim): wait.</summary>
    Waiting,

    /// <summary>The rerun that takes the claim has started, or the claim is gone (started, or superseded): nothing left to do.</summary>
    Done,
}
