using ServerlessTasks.Domain.Clock;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Activities.Events;

/// <summary>What an orchestration hands the index activity: task states that changed and the events since the last batch.</summary>
/// <param name="Tasks">Task index updates (versioned, idempotent).</param>
/// <param name="Events">Task events (idempotent by identity), stamped by the orchestration's clock or merged from activities.</param>
public sealed record TaskIndexBatch(IReadOnlyList<TaskIndexEntry> Tasks, IReadOnlyList<TaskEvent> Events);

/// <summary>The index activity's answer: how many updates it applied and the host clock's stamp after merging the batch.</summary>
/// <param name="Count">Updates applied.</param>
/// <param name="Hlc">The host's stamp; the orchestration merges it so its later stamps follow the host's.</param>
public sealed record TaskIndexReceipt(int Count, HlcTimestamp Hlc);
