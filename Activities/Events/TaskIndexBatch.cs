using ServerlessTasks.Domain.Clock;
using ServerlessTasks.Functions.Callbacks;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Activities.Events;

/// <summary>What an orchestration hands the index activity: task states that changed and the events since the last batch.</summary>
/// <param name="Tasks">Task index updates (versioned, idempotent).</param>
/// <param name="Events">Task events (idempotent by identity), stamped by the orchestration's clock or merged from activities.</param>
/// <param name="Callbacks">Task-event callbacks the events call for, started after the events are stored (idempotent by delivery id).</param>
public sealed record TaskIndexBatch(IReadOnlyList<TaskIndexEntry> Tasks, IReadOnlyList<TaskEvent> Events, IReadOnlyList<CallbackNotice>? Callbacks = null);

/// <summary>The index activity's answer: how many updates it applied and the host clock's stamp after merging the batch.</summary>
/// <param name="Count">Updates applied.</param>
/// <param name="Hlc">The host's stamp; the orchestration merges it so its later stamps follow the host's.</param>
public sealed record TaskIndexReceipt(int Count, HlcTimestamp Hlc);
