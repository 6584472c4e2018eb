namespace ServerlessTasks.Functions.Proctor;

/// <summary>What one proctor sweep found and did (the on-demand endpoint returns it).</summary>
/// <param name="At">When the sweep ran.</param>
/// <param name="DeadWorkers">Workers marked dead by this sweep.</param>
/// <param name="Requeued">Tasks put back in the queue (lost leases), as <c>workflow/task#attempt</c>.</param>
/// <param name="GivenUp">Tasks failed with <c>worker_lost</c> after too many re-queues.</param>
/// <param name="Redelivered">Outcomes delivered again to their orchestrations.</param>
/// <param name="Overdue">Tasks past their deadline or predicted to miss it.</param>
/// <param name="Stuck">Tasks running without progress past the stuck window.</param>
/// <param name="Unassignable">Waiting tasks no live worker can run.</param>
public sealed record ProctorReport(
    DateTimeOffset At,
    IReadOnlyList<string> DeadWorkers,
    IReadOnlyList<string> Requeued,
    IReadOnlyList<string> GivenUp,
    IReadOnlyList<string> Redelivered,
    IReadOnlyList<string> Overdue,
    IReadOnlyList<string> Stuck,
    IReadOnlyList<string> Unassignable);
