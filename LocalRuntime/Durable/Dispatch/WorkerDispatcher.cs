using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.Entities;
using DurableTask.Core.Entities.OperationFormat;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using DurableTask.Core.Middleware;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using LocalRuntime.Durable.Hosting;
using LocalRuntime.Durable.Protobuf;
using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Rpc;
using Microsoft.Extensions.Logging;
using P = Microsoft.DurableTask.Protobuf;

namespace LocalRuntime.Durable.Dispatch;

/// <summary>
/// DTFx dispatcher middleware that runs orchestrations, activities and entities in the worker process, as Durable Functions
/// does for out-of-process workers: the work item becomes one function invocation, its response the work item's result.
/// </summary>
/// <remarks>
/// The middleware never calls <c>next()</c> for app functions (the terminal step would look for an in-process orchestration);
/// it sets the result on the dispatch context instead. An invocation no worker completed throws
/// <see cref="SessionAbortedException"/>, so DTFx abandons the work item and delivers it again.
/// </remarks>
internal sealed partial class WorkerDispatcher(
    IFunctionsHost host,
    DurableFunctionCatalog catalog,
    DurableHostOptions options,
    TimeProvider time,
    ILogger<WorkerDispatcher> logger)
{
    private readonly EntityStateCache _entityStates = new(options.ExtendedSessionIdleTimeout * 2, time);

    // The task hub's entity parameters (a constant of the dispatcher), as the last episode that carried them had them.
    private TaskOrchestrationEntityParameters? _entityParameters;

    /// <summary>Cancelled when the host gives up on in-flight work (after the drain deadline), not when stopping starts.</summary>
    public CancellationToken Aborted { get; init; }

    public async Task RunOrchestrationAsync(DispatchMiddlewareContext context, Func<Task> next)
    {
        var state = context.GetProperty<OrchestrationRuntimeState>()
            ?? throw new InvalidOperationException("DTFx dispatched an orchestration without its runtime state.");
        var instance = context.GetProperty<OrchestrationInstance>() ?? state.OrchestrationInstance
            ?? throw new InvalidOperationException("DTFx dispatched an orchestration without its instance.");
        if (!catalog.TryGetOrchestrator(state.Name, out var function))
        {
            context.SetProperty(Failed("OrchestratorFunctionNotFound", catalog.Missing("orchestrator", state.Name)));
            return;
        }

        // The host's clock is durable time: the orchestrator's CurrentUtcDateTime comes from this event, and timers are
        // computed from it, so a test's fake clock (or a clock step) moves orchestrations consistently.
        foreach (var e in state.NewEvents)
        {
            if (e is OrchestratorStartedEvent started)
            {
                started.Timestamp = time.GetUtcNow().UtcDateTime;
            }
        }

        var metadata = context.GetProperty<WorkItemMetadata>();
        // DTFx passes the entity parameters when an episode starts from the stored history, not when it resumes an extended
        // session. A worker that lost its cached replay asks for the history (RequiresHistory) and replays from scratch:
        // without the parameters its entity calls throw inside DTFx's entity context, the replay takes another path than
        // the first run, and the worker fails the orchestration as nondeterministic (EventSent 'op' at sequence 0).
        var entityParameters = context.GetProperty<TaskOrchestrationEntityParameters>();
        if (entityParameters is not null)
        {
            Volatile.Write(ref _entityParameters, entityParameters);
        }
        else
        {
            entityParameters = Volatile.Read(ref _entityParameters);
        }

        var session = options.ExtendedSessionsEnabled && metadata is { IsExtendedSession: true };
        var includeState = metadata?.IncludeState ?? true;

        var response = await InvokeOrchestratorAsync(function, state, instance, entityParameters, session, includeState);
        if (response.RequiresHistory)
        {
            // The worker lost its cached replay (it restarted, or its cache evicted the instance): send everything.
            LogHistoryResent(logger, instance.InstanceId);
            response = await InvokeOrchestratorAsync(function, state, instance, entityParameters, session, includeState: true);
        }

        context.SetProperty(new OrchestratorExecutionResult
        {
            Actions = [.. response.Actions.Select(ActionConverter.ToCore)],
            CustomStatus = response.CustomStatus,
        });
    }

    public async Task RunActivityAsync(DispatchMiddlewareContext context, Func<Task> next)
    {
        var scheduled = context.GetProperty<TaskScheduledEvent>()
            ?? throw new InvalidOperationException("DTFx dispatched an activity without its TaskScheduledEvent.");
        if (scheduled.Name?.StartsWith("BuiltIn::", StringComparison.OrdinalIgnoreCase) == true)
        {
            await next();
            return;
        }

        var instance = context.GetProperty<OrchestrationInstance>();
        if (!catalog.TryGetActivity(scheduled.Name ?? string.Empty, out var function))
        {
            context.SetProperty(new ActivityExecutionResult
            {
                ResponseEvent = new TaskFailedEvent(-1, scheduled.EventId, catalog.Missing("activity", scheduled.Name ?? string.Empty), details: null,
                    new FailureDetails("ActivityFunctionNotFound", catalog.Missing("activity", scheduled.Name ?? string.Empty), stackTrace: null, innerFailure: null, isNonRetriable: true)),
            });
            return;
        }

        var input = ActivityInput(scheduled.Input);
        var metadata = new Dictionary<string, TypedData>(StringComparer.Ordinal)
        {
            ["instanceId"] = new() { String = instance?.InstanceId ?? string.Empty },
        };
        var response = await InvokeAsync(function, input is null ? new TypedData() : new TypedData { String = input }, metadata, instance?.InstanceId);
        HistoryEvent outcome = response.Result?.Status == StatusResult.Types.Status.Success
            ? new TaskCompletedEvent(-1, scheduled.EventId, ActivityOutput(response.ReturnValue))
            : new TaskFailedEvent(-1, scheduled.EventId, $"Function '{function.Name}' failed with an unhandled exception.", details: null, Failure(response));
        context.SetProperty(new ActivityExecutionResult { ResponseEvent = outcome });
    }

    public async Task RunEntityAsync(DispatchMiddlewareContext context, Func<Task> next)
    {
        var batch = context.GetProperty<EntityBatchRequest>()
            ?? throw new InvalidOperationException("DTFx dispatched an entity without its EntityBatchRequest.");
        var instanceId = batch.InstanceId ?? throw new InvalidOperationException("DTFx dispatched an entity batch without an instance id.");
        var name = EntityId.FromString(instanceId).Name;
        if (!catalog.TryGetEntity(name, out var function))
        {
            context.SetProperty(new EntityBatchResult
            {
                Actions = [],
                Results = [],
                EntityState = batch.EntityState,
                FailureDetails = new FailureDetails("EntityFunctionNotFound", catalog.Missing("entity", name), stackTrace: null, innerFailure: null, isNonRetriable: true),
            });
            return;
        }

        // Within an extended session DTFx hands the entity's state over only with the first batch and expects whoever runs the
        // entity to keep it: the worker runs each batch from scratch, so the host keeps it between batches.
        var metadata = context.GetProperty<WorkItemMetadata>();
        if (metadata is { IsExtendedSession: true, IncludeState: false })
        {
            batch.EntityState = _entityStates.Get(instanceId);
        }

        var request = EntityConverter.ToProto(batch);
        var response = await InvokeAsync(function, new TypedData { String = Base64(request) }, triggerMetadata: null, instanceId);
        if (response.Result?.Status != StatusResult.Types.Status.Success || response.ReturnValue?.DataCase != TypedData.DataOneofCase.String)
        {
            // No batch result: nothing of the batch is committed, the state stays as it was, and each caller sees the failure.
            context.SetProperty(new EntityBatchResult
            {
                Actions = [],
                Results = [],
                EntityState = batch.EntityState,
                FailureDetails = new FailureDetails("FunctionInvocationFailed", $"Invocation of entity function '{function.Name}' failed.", stackTrace: null,
                    innerFailure: Failure(response), isNonRetriable: true),
            });
            return;
        }

        var result = EntityConverter.ToCore(P.EntityBatchResult.Parser.ParseFrom(Convert.FromBase64String(response.ReturnValue.String)));
        if (metadata is { IsExtendedSession: true })
        {
            _entityStates.Set(instanceId, result.EntityState);
        }

        context.SetProperty(result);
    }

    private async Task<P.OrchestratorResponse> InvokeOrchestratorAsync(
        FunctionDescriptor function,
        OrchestrationRuntimeState state,
        OrchestrationInstance instance,
        TaskOrchestrationEntityParameters? entityParameters,
        bool session,
        bool includeState)
    {
        var request = new P.OrchestratorRequest
        {
            InstanceId = instance.InstanceId,
            ExecutionId = instance.ExecutionId,
            EntityParameters = EntityConverter.ToProto(entityParameters),
        };
        if (includeState)
        {
            // Everything before this episode's new events. Not state.PastEvents: DTFx fills that list only when it loads
            // the runtime state; within an extended session the earlier episodes' events are in Events alone (their
            // NewEvents are cleared), so a resend after RequiresHistory would lack them, ExecutionStarted included.
            request.PastEvents.AddRange(state.Events.Take(state.Events.Count - state.NewEvents.Count).Select(HistoryConverter.ToProto));
        }

        request.NewEvents.AddRange(state.NewEvents.Select(HistoryConverter.ToProto));
        if (options.ExtendedSessionsEnabled)
        {
            request.Properties["IsExtendedSession"] = Value.ForBool(session);
            request.Properties["IncludeState"] = Value.ForBool(includeState);
            request.Properties["ExtendedSessionIdleTimeoutInSeconds"] = Value.ForNumber(options.ExtendedSessionIdleTimeout.TotalSeconds);
        }

        var response = await InvokeAsync(function, new TypedData { String = Base64(request) }, triggerMetadata: null, instance.InstanceId);
        if (response.Result?.Status != StatusResult.Types.Status.Success)
        {
            // Orchestrator code that throws comes back as a failed CompleteOrchestration action; a failed invocation is the
            // worker's own failure to run the orchestrator (as Durable does, the instance fails with it).
            var failure = Failure(response);
            return new P.OrchestratorResponse
            {
                InstanceId = instance.InstanceId,
                Actions =
                {
                    new P.OrchestratorAction
                    {
                        CompleteOrchestration = new P.CompleteOrchestrationAction
                        {
                            OrchestrationStatus = P.OrchestrationStatus.Failed,
                            Result = $"Function '{function.Name}' failed with an unhandled exception.",
                            FailureDetails = FailureConverter.ToProto(failure),
                        },
                    },
                },
            };
        }

        if (response.ReturnValue?.DataCase != TypedData.DataOneofCase.String || response.ReturnValue.String.Length == 0)
        {
            throw new InvalidOperationException($"The orchestrator function '{function.Name}' returned no orchestrator response (is the worker's Durable extension missing?).");
        }

        return P.OrchestratorResponse.Parser.ParseFrom(Convert.FromBase64String(response.ReturnValue.String));
    }

    private async Task<InvocationResponse> InvokeAsync(FunctionDescriptor function, TypedData trigger, IReadOnlyDictionary<string, TypedData>? triggerMetadata, string? instanceId)
    {
        try
        {
            return await host.InvokeAsync(function, trigger, triggerMetadata, Aborted);
        }
        catch (WorkerUnavailableException ex)
        {
            LogAborted(logger, function.Name, instanceId, ex.Message);
            throw new SessionAbortedException($"The worker did not complete '{function.Name}' for '{instanceId}': {ex.Message}", ex);
        }
        catch (OperationCanceledException ex) when (Aborted.IsCancellationRequested)
        {
            throw new SessionAbortedException($"The host is stopping; '{function.Name}' for '{instanceId}' will run again.", ex);
        }
    }

    /// <summary>A failed completion that carries failure details (DTFx's own ForFailure leaves them out), so clients see why.</summary>
    private static OrchestratorExecutionResult Failed(string errorType, string message) => new()
    {
        Actions =
        [
            new DurableTask.Core.Command.OrchestrationCompleteOrchestratorAction
            {
                OrchestrationStatus = OrchestrationStatus.Failed,
                Result = message,
                FailureDetails = new FailureDetails(errorType, message, stackTrace: null, innerFailure: null, isNonRetriable: true),
            },
        ],
    };

    private static string Base64(IMessage message) => Convert.ToBase64String(message.ToByteArray());

    /// <summary>
    /// The activity's own input: the orchestrator's SDK wraps the argument in a one-element JSON array (DTFx's parameter list);
    /// the activity trigger takes the element.
    /// </summary>
    internal static string? ActivityInput(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return null;
        }

        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(raw));
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            return raw;
        }

        using var document = JsonDocument.Parse(raw);
        var items = document.RootElement;
        return items.GetArrayLength() switch
        {
            0 => null,
            _ when items[0].ValueKind == JsonValueKind.Null => null,
            _ => items[0].GetRawText(),
        };
    }

    /// <summary>The activity's result as the JSON text <c>TaskCompleted.Result</c> holds.</summary>
    internal static string? ActivityOutput(TypedData? value) => value?.DataCase switch
    {
        null or TypedData.DataOneofCase.None => null,
        TypedData.DataOneofCase.Json => value.Json,
        TypedData.DataOneofCase.String => JsonSerializer.Serialize(value.String),
        TypedData.DataOneofCase.Int => value.Int.ToString(System.Globalization.CultureInfo.InvariantCulture),
        TypedData.DataOneofCase.Double => JsonSerializer.Serialize(value.Double),
        TypedData.DataOneofCase.Bytes => JsonSerializer.Serialize(value.Bytes.ToBase64()),
        var other => throw new NotSupportedException($"An activity returned {other}, which has no JSON form."),
    };

    /// <summary>
    /// The failure a worker reported. The isolated worker puts the exception's details in <see cref="RpcException"/>; with Durable's
    /// worker middleware its message may itself be the JSON of a failure (<c>errorType</c>, <c>errorMessage</c>, <c>stackTrace</c>).
    /// </summary>
    internal static FailureDetails Failure(InvocationResponse response)
    {
        var exception = response.Result?.Exception;
        if (exception is null)
        {
            return new FailureDetails("(unknown)", response.Result?.Result is { Length: > 0 } r ? r : "The function failed without details.", stackTrace: null, innerFailure: null, isNonRetriable: false);
        }

        if (TryParseFailureJson(exception.Message, out var parsed))
        {
            return parsed;
        }

        var (type, message) = SplitType(exception.Type, exception.Message);
        return new FailureDetails(type, message, exception.StackTrace is { Length: > 0 } s ? s : null, innerFailure: null, isNonRetriable: false);
    }

    private static bool TryParseFailureJson(string? text, out FailureDetails details)
    {
        details = null!;
        if (text is null || !text.TrimStart().StartsWith('{'))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            details = FromJson(document.RootElement)!;
            return details is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static FailureDetails? FromJson(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        string? Get(string name) => e.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) is { Value.ValueKind: JsonValueKind.String } p2
            ? p2.Value.GetString()
            : null;

        var type = Get("errorType");
        var message = Get("errorMessage");
        if (type is null && message is null)
        {
            return null;
        }

        var inner = e.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, "innerFailure", StringComparison.OrdinalIgnoreCase));
        var nonRetriable = e.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, "isNonRetriable", StringComparison.OrdinalIgnoreCase));
        return new FailureDetails(
            type ?? "(unknown)",
            message ?? string.Empty,
            Get("stackTrace"),
            inner.Value.ValueKind == JsonValueKind.Object ? FromJson(inner.Value) : null,
            nonRetriable.Value.ValueKind == JsonValueKind.True);
    }

    /// <summary>Messages of the form <c>Namespace.TypeName: message</c> carry their type; keep the first line only.</summary>
    private static (string Type, string Message) SplitType(string? declaredType, string? message)
    {
        message ??= string.Empty;
        var firstLine = message.Split('\n', 2)[0].TrimEnd();
        if (declaredType is { Length: > 0 })
        {
            var prefix = declaredType + ": ";
            return (declaredType, firstLine.StartsWith(prefix, StringComparison.Ordinal) ? firstLine[prefix.Length..] : firstLine);
        }

        var colon = firstLine.IndexOf(": ", StringComparison.Ordinal);
        return colon > 0 && !firstLine[..colon].Contains(' ', StringComparison.Ordinal)
            ? (firstLine[..colon], firstLine[(colon + 2)..])
            : ("(unknown)", firstLine);
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "Orchestration {InstanceId}: the worker had no cached replay; resent with full history")]
    private static partial void LogHistoryResent(ILogger logger, string instanceId);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Function {Function} for {InstanceId} was not completed by a worker ({Reason}); DTFx will deliver it again")]
    private static partial void LogAborted(ILogger logger, string function, string? instanceId, string reason);
}
