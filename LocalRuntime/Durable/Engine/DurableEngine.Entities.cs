using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Entities;

namespace LocalRuntime.Durable.Engine;

public sealed partial class DurableEngine
{
    /// <summary>The execution id every entity instance carries (entities have no executions).</summary>
    internal const string EntityExecutionId = "entity";

    /// <summary>Whether an instance id names an entity (<c>@name@key</c>).</summary>
    internal static bool IsEntityId(string instanceId) => instanceId.Length > 1 && instanceId[0] == '@';

    /// <summary>
    /// One entity episode: takes the messages that may run now (all of them, or only the lock holder's while the
    /// entity is locked; the others stay stored and held in order), runs the operations in arrival order through
    /// the entity function, and commits the new state with the responses, signals and starts in one checkpoint.
    /// </summary>
    /// <remarks>
    /// The entity's state is the instance's custom status; its lock holder is the instance's input. Entities keep
    /// no history: their messages are the log, consumed by the checkpoint that applies them.
    /// </remarks>
    private async Task RunEntityEpisodeAsync(InstanceMailbox mailbox, List<OrchestrationMessage> batch)
    {
        var entityId = EntityInstanceId.FromString(mailbox.InstanceId);
        var stored = await Store.GetInstanceAsync(mailbox.InstanceId);
        var now = UtcNow();
        var lockHolder = stored is null ? null : DataConverter.Deserialize<string>(stored.Input);

        List<OrchestrationMessage> work;
        lock (mailbox)
        {
            work = [.. mailbox.Held, .. batch]; // Held is replaced only once the episode commits
        }

        var held = new List<OrchestrationMessage>();
        var consumed = new List<long>(work.Count);
        var operations = new List<EntityOperationRequest>();
        var outbound = new List<OrchestrationMessage>();
        var lockChanged = false;
        for (var next = 0; next < work.Count; next++)
        {
            var message = work[next];
            var e = message.Event;
            if (lockHolder is not null && !string.Equals(e.InstanceId, lockHolder, StringComparison.Ordinal))
            {
                held.Add(message); // locked by another orchestration: waits, still stored, in order
                continue;
            }

            consumed.Add(message.Id);
            switch (e.Type)
            {
                case HistoryEventType.EntityOperationRequested:
                    operations.Add(new EntityOperationRequest(e.Name ?? string.Empty, e.Data, message));
                    break;

                case HistoryEventType.EntityLockRequested when e.Parent is { } requester:
                    lockHolder = requester.InstanceId;
                    lockChanged = true;
                    outbound.Add(ForwardLock(e, requester, now));
                    break;

                case HistoryEventType.EntityUnlockRequested:
                    if (lockHolder is not null)
                    {
                        lockHolder = null;
                        lockChanged = true;

                        // Messages held while locked go first, in their original order.
                        held.AddRange(work.Skip(next + 1));
                        work = held;
                        held = [];
                        next = -1;
                    }

                    break;

                default:
                    break;
            }
        }

        if (consumed.Count == 0)
        {
            SetHeld(mailbox, held);
            return;
        }

        var state = stored?.CustomStatus;
        List<InstanceState>? newInstances = null;
        if (operations.Count > 0)
        {
            var run = new EntityBatch(entityId, state, operations, UtcNow);
            if (_registry.TryGetEntity(entityId.Name, out var function))
            {
                try
                {
                    await function(run);
                }
                catch (Exception ex)
                {
                    run.FailAll(TaskFailureDetails.FromException(ex));
                }
            }

            run.FailAll(new TaskFailureDetails(
                typeof(InvalidOperationException).FullName!, $"The entity '{entityId.Name}' does not exist in this app or did not dispatch its operations.", null, null));
            state = run.SerializedState;
            AddEntityOutcomes(entityId, operations, run, now, outbound, ref newInstances);
        }

        var entityState = new InstanceState
        {
            InstanceId = mailbox.InstanceId,
            Name = entityId.Name,
            ExecutionId = EntityExecutionId,
            Status = OrchestrationRuntimeStatus.Running,
            CreatedAt = stored?.CreatedAt ?? now,
            LastUpdatedAt = operations.Count > 0 || lockChanged ? now : stored!.LastUpdatedAt,
            CustomStatus = state,
            Input = DataConverter.Serialize(lockHolder),
        };

        await Store.CommitCheckpointAsync(new OrchestrationCheckpoint
        {
            State = entityState,
            NewEvents = [],

            // Entities keep no history; replacing the (empty) history is what lets a checkpoint change the input.
            ReplaceHistory = true,
            ConsumedMessageIds = consumed,
            OutboundMessages = outbound,
            NewActivities = [],
            NewInstances = (IReadOnlyList<InstanceState>?)newInstances ?? [],
        });
        SetHeld(mailbox, held);

        foreach (var message in outbound)
        {
            Route(message);
        }
    }

    private static void SetHeld(InstanceMailbox mailbox, List<OrchestrationMessage> held)
    {
        lock (mailbox)
        {
            mailbox.Held.Clear();
            mailbox.Held.AddRange(held);
        }
    }

    private OrchestrationMessage ForwardLock(HistoryEvent request, ParentInfo requester, DateTime now)
    {
        var rest = DataConverter.Deserialize<string[]>(request.Data) ?? [];
        if (rest.Length == 0)
        {
            return new OrchestrationMessage
            {
                Id = NextId(),
                InstanceId = requester.InstanceId,
                ExecutionId = requester.ExecutionId,
                Event = new HistoryEvent { Type = HistoryEventType.EntityLockGranted, Timestamp = now, TaskId = requester.TaskId },
            };
        }

        // Locks are taken one entity after the other in a fixed order, so two critical sections never deadlock.
        return new OrchestrationMessage
        {
            Id = NextId(),
            InstanceId = rest[0],
            Event = new HistoryEvent
            {
                Type = HistoryEventType.EntityLockRequested,
                Timestamp = now,
                InstanceId = requester.InstanceId,
                Parent = requester,
                Data = JsonSerializer.Serialize(rest[1..], DataConverter.Options),
            },
        };
    }

    private void AddEntityOutcomes(
        EntityInstanceId entityId, List<EntityOperationRequest> operations, EntityBatch run, DateTime now,
        List<OrchestrationMessage> outbound, ref List<InstanceState>? newInstances)
    {
        var results = run.Results;
        for (var i = 0; i < operations.Count; i++)
        {
            if (operations[i].Message.Event.Parent is not { } caller)
            {
                continue; // a signal: nobody waits for the outcome
            }

            var result = results[i];
            outbound.Add(new OrchestrationMessage
            {
                Id = NextId(),
                InstanceId = caller.InstanceId,
                ExecutionId = caller.ExecutionId,
                Event = result.Failure is null
                    ? new HistoryEvent { Type = HistoryEventType.EntityOperationCompleted, Timestamp = now, TaskId = caller.TaskId, Data = result.Output }
                    : new HistoryEvent { Type = HistoryEventType.EntityOperationFailed, Timestamp = now, TaskId = caller.TaskId, Name = operations[i].Name, Failure = result.Failure },
            });
        }

        var self = entityId.ToString();
        foreach (var signal in run.Signals)
        {
            outbound.Add(new OrchestrationMessage
            {
                Id = NextId(),
                InstanceId = signal.TargetInstanceId,
                VisibleAt = signal.VisibleAt,
                Event = new HistoryEvent { Type = HistoryEventType.EntityOperationRequested, Timestamp = now, Name = signal.Operation, Data = signal.Input, InstanceId = self },
            });
        }

        foreach (var start in run.Starts)
        {
            var executionId = Guid.NewGuid().ToString("N");
            (newInstances ??= []).Add(new InstanceState
            {
                InstanceId = start.InstanceId,
                Name = start.Name,
                ExecutionId = executionId,
                Status = OrchestrationRuntimeStatus.Pending,
                CreatedAt = now,
                LastUpdatedAt = now,
                Input = start.Input,
            });
            outbound.Add(new OrchestrationMessage
            {
                Id = NextId(),
                InstanceId = start.InstanceId,
                ExecutionId = executionId,
                VisibleAt = start.StartAt > now ? start.StartAt : null,
                Event = new HistoryEvent
                {
                    Type = HistoryEventType.ExecutionStarted,
                    Timestamp = now,
                    InstanceId = start.InstanceId,
                    Name = start.Name,
                    Data = start.Input,
                    ExecutionId = executionId,
                },
            });
        }
    }
}
