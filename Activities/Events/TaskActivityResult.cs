using System.Text.Json;
using ServerlessTasks.Domain.Clock;

namespace ServerlessTasks.Activities.Events;

/// <summary>What a task activity returns: its result and the host clock's stamps of its start and end.</summary>
/// <param name="Result">The task's result.</param>
/// <param name="Started">When the attempt started (after merging the orchestrator's stamp).</param>
/// <param name="Finished">When it finished; the orchestrator merges it before recording the completion.</param>
/// <param name="Index">The receipt of the task-index batch the invocation carried, when it carried one and it was applied.</param>
public sealed record TaskActivityResult(JsonElement? Result, HlcTimestamp Started, HlcTimestamp Finished, TaskIndexReceipt? Index = null);
