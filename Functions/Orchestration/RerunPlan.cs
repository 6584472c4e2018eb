using System.Text.Json;
using ServerlessTasks.Domain.Clock;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Orchestration;

/// <summary>
/// What a workflow rerun runs, worked out (pure) from the workflow's spec and its tasks' index entries: the tasks
/// claimed for a rerun (a pending entry with no version yet and a redrive count, written by the rerun endpoint), and
/// every dependent of theirs that did not run (skipped, cancelled, never started) whose other dependencies completed.
/// Every other task, completed ones above all, is kept exactly as it is: not run, not re-indexed, no new events.
/// </summary>
public sealed class RerunPlan
{
    private readonly WorkflowSpec _spec;
    private readonly Dictionary<string, TaskIndexEntry> _entries;
    private readonly HashSet<string> _rerun;

    private RerunPlan(WorkflowSpec spec, Dictionary<string, TaskIndexEntry> entries, HashSet<string> rerun, IReadOnlyList<string> claimed)
    {
        _spec = spec;
        _entries = entries;
        _rerun = rerun;
        Claimed = claimed;
    }

    /// <summary>The tasks claimed for the rerun (each gets a <c>redriven</c> event).</summary>
    public IReadOnlyList<string> Claimed { get; }

    /// <summary>Whether anything is to run.</summary>
    public bool IsEmpty => _rerun.Count == 0;

    /// <summary>Works out the plan.</summary>
    public static RerunPlan Create(WorkflowSpec spec, IReadOnlyList<TaskIndexEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(entries);
        var byId = entries.ToDictionary(e => e.TaskId, StringComparer.Ordinal);
        var claimed = spec.Tasks.Select(t => t.TaskId!).Where(id => byId.GetValueOrDefault(id) is { } e && IsClaim(e)).ToList();
        var rerun = new HashSet<string>(claimed, StringComparer.Ordinal);
        // Fixed point over the spec (its order need not be topological): a task that did not run joins once one of
        // its dependencies reruns and each of the others reruns or completed.
        for (var grown = rerun.Count > 0; grown;)
        {
            grown = false;
            foreach (var task in spec.Tasks)
            {
                var id = task.TaskId!;
                if (rerun.Contains(id) || !DidNotRun(byId.GetValueOrDefault(id)) || !task.DependsOn.Any(rerun.Contains))
                {
                    continue;
                }

                if (task.DependsOn.All(d => rerun.Contains(d) || byId.GetValueOrDefault(d)?.Status == WorkflowTaskStatus.Completed))
                {
                    rerun.Add(id);
                    grown = true;
                }
            }
        }

        return new RerunPlan(spec, byId, rerun, claimed);
    }

    /// <summary>Whether an entry is a rerun claim that has not started (the endpoint's pending entry, version 0).</summary>
    public static bool IsClaim(TaskIndexEntry entry) =>
        entry is { Status: WorkflowTaskStatus.Pending, Version: 0, Redrives: > 0 };

    /// <summary>
    /// The workflow the rerun runs: only its tasks, their dependencies on kept (completed) tasks dropped, and no
    /// deadlines (those of the first run have passed; an operator rerunning asks for the work, not for the deadline).
    /// </summary>
    public WorkflowSpec Spec() => _spec with
    {
        Deadline = null,
        Tasks = [.. _spec.Tasks.Where(t => _rerun.Contains(t.TaskId!)).Select(t => t with
        {
            Dependencies = [.. t.DependsOn.Where(_rerun.Contains)],
            Deadline = null,
        })],
    };

    /// <summary>The seed of the rerun's <see cref="WorkflowRun"/>.</summary>
    public RerunSeed Seed(DateTimeOffset now)
    {
        var attempts = new Dictionary<string, int>(StringComparer.Ordinal);
        var redrives = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var id in _rerun)
        {
            var entry = _entries.GetValueOrDefault(id);
            attempts[id] = entry?.Attempts ?? 0;
            // A claim carries its run number already; a dependent's entry is of its earlier run.
            redrives[id] = entry is null ? 0 : IsClaim(entry) ? entry.Redrives : entry.Redrives + 1;
        }

        HlcTimestamp? after = null;
        foreach (var entry in _entries.Values)
        {
            if (HlcTimestamp.TryParse(entry.Hlc, out var stamp) && (after is not { } latest || stamp > latest))
            {
                after = stamp;
            }
        }

        var createdAt = _entries.Count == 0 ? now : _entries.Values.Min(e => e.CreatedAt);
        return new RerunSeed(createdAt, after, attempts, redrives, CountsOf(_spec.Tasks.Where(t => !_rerun.Contains(t.TaskId!)).Select(t => StatusOf(t.TaskId!))));
    }

    /// <summary>
    /// The workflow's run number after this rerun: the sum of its tasks' redrive counts (each rerun raises at least one),
    /// which names the rerun's own completion callback.
    /// </summary>
    public int RunNumber(RerunSeed seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        return seed.Redrives.Values.Sum() + _entries.Values.Where(e => !_rerun.Contains(e.TaskId)).Sum(e => e.Redrives);
    }

    /// <summary>The whole workflow's report: the rerun's tasks as it reports them, every other task as its entry says.</summary>
    public WorkflowReport Merge(WorkflowReport rerun)
    {
        ArgumentNullException.ThrowIfNull(rerun);
        var ran = rerun.Tasks.ToDictionary(t => t.TaskId, StringComparer.Ordinal);
        var tasks = _spec.Tasks.Select(t => ran.GetValueOrDefault(t.TaskId!) ?? Kept(t)).ToList();
        return rerun with
        {
            Counts = CountsOf(tasks.Select(t => t.Status)),
            Tasks = tasks,
        };
    }

    private TaskReport Kept(TaskSpec task)
    {
        var entry = _entries.GetValueOrDefault(task.TaskId!);
        return entry is null
            ? new TaskReport { TaskId = task.TaskId!, TaskType = task.TaskType, Status = WorkflowTaskStatus.Pending, Priority = task.Priority }
            : new TaskReport
            {
                TaskId = entry.TaskId,
                TaskType = entry.TaskType,
                Status = entry.Status,
                Priority = entry.Priority,
                Result = entry.Result is null ? null : JsonSerializer.Deserialize<JsonElement>(entry.Result),
                Error = entry.Error,
                Attempts = entry.Attempts,
                StartedAt = entry.StartedAt,
                CompletedAt = entry.CompletedAt,
                StartSequence = entry.StartSequence,
                FinishSequence = entry.FinishSequence,
            };
    }

    private WorkflowTaskStatus StatusOf(string taskId) => _entries.GetValueOrDefault(taskId)?.Status ?? WorkflowTaskStatus.Pending;

    private static bool DidNotRun(TaskIndexEntry? entry) =>
        entry is null || entry.Status is WorkflowTaskStatus.Skipped or WorkflowTaskStatus.Cancelled or WorkflowTaskStatus.Pending;

    private static WorkflowCounts CountsOf(IEnumerable<WorkflowTaskStatus> statuses)
    {
        var list = statuses.ToList();
        int Count(WorkflowTaskStatus s) => list.Count(x => x == s);
        return new WorkflowCounts(list.Count, Count(WorkflowTaskStatus.Pending), Count(WorkflowTaskStatus.Running), Count(WorkflowTaskStatus.Completed),
            Count(WorkflowTaskStatus.Failed), Count(WorkflowTaskStatus.Skipped), Count(WorkflowTaskStatus.Cancelled));
    }
}
