using System.Text.Json;
using Microsoft.DurableTask.Client;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Orders;
using ServerlessTasks.Functions.Contracts;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Functions.Orders;

/// <summary>Reads an order's view from its workflow: the report when it finished, the task index while it runs.</summary>
public static class OrderViews
{
    /// <summary>The view of an order's workflow instance (fetched with inputs and outputs), or null if it is not an order.</summary>
    public static async Task<OrderView?> ReadAsync(OrchestrationMetadata instance, ITaskIndex index, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(index);
        if (!DeadLetters.WorkflowRerunOrchestrator.IsWorkflow(instance.Name)
            || OrderSpec.OrderIdOf(instance.InstanceId) is null
            || instance.ReadInputAs<WorkflowSpec>() is not { Tasks.Count: > 0 } spec
            || spec.Tasks[0].Payload is not { } payload)
        {
            return null;
        }

        var order = OrderTemplate.ReadPayload(payload);
        var finished = instance.IsCompleted;
        var report = instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? instance.ReadOutputAs<WorkflowReport>() : null;
        IReadOnlyDictionary<string, TaskIndexEntry> indexed = report is null
            ? (await index.ListWorkflowAsync(instance.InstanceId, cancellation)).ToDictionary(e => e.TaskId, StringComparer.Ordinal)
            : new Dictionary<string, TaskIndexEntry>(StringComparer.Ordinal);
        var steps = OrderSteps.All.Select(step => StepOf(step, report, indexed)).ToList();
        var compensations = (report?.Compensations ?? [])
            .Select(c => new OrderCompensationView(OrderSteps.StepOf(c.TaskId), c.Status, c.Attempts, c.Result, c.Error))
            .ToList();
        var status = instance.RuntimeStatus is OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated
            ? OrderStatus.Failed
            : OrderProgress.Derive(
                finished,
                steps.ToDictionary(s => s.Step, s => s.Status, StringComparer.Ordinal),
                [.. compensations.Select(c => new OrderCompensation(c.Step, c.Status == WorkflowTaskStatus.Completed, Undid(c.Result)))]);
        var finishedAt = finished ? instance.LastUpdatedAt : (DateTimeOffset?)null;
        return new OrderView
        {
            OrderId = order.OrderId,
            Status = status,
            Tier = order.Customer.Tier,
            CustomerId = order.Customer.Id,
            Amount = order.Amount,
            Currency = order.Currency,
            WorkflowId = instance.InstanceId,
            Priority = spec.Tasks[0].Priority,
            Deadline = spec.Deadline,
            AcceptedAt = instance.CreatedAt,
            UpdatedAt = instance.LastUpdatedAt,
            FinishedAt = finishedAt,
            DurationMs = finishedAt is { } end ? (end - instance.CreatedAt).TotalMilliseconds : null,
            Retries = steps.Sum(s => Math.Max(0, s.Attempts - 1)) + compensations.Sum(c => Math.Max(0, c.Attempts - 1)),
            ChargeId = StringOf(steps.First(s => s.Step == OrderSteps.Payment).Result, "charge_id")
                ?? compensations.Select(c => StringOf(c.Result, "charge_id")).FirstOrDefault(id => id is not null),
            RefundId = compensations.Select(c => StringOf(c.Result, "refund_id")).FirstOrDefault(id => id is not null),
            Error = status is OrderStatus.Completed ? null : steps.FirstOrDefault(s => s.Status == WorkflowTaskStatus.Failed)?.Error ?? instance.FailureDetails?.ErrorMessage,
            Steps = steps,
            Compensations = compensations,
        };
    }

    private static OrderStepView StepOf(string step, WorkflowReport? report, IReadOnlyDictionary<string, TaskIndexEntry> indexed)
    {
        if (report?.Tasks.FirstOrDefault(t => t.TaskId == step) is { } task)
        {
            return new OrderStepView(step, task.Status, task.Attempts, task.StartedAt, task.CompletedAt, task.Result, task.Error);
        }

        return indexed.TryGetValue(step, out var entry)
            ? new OrderStepView(step, entry.Status, entry.Attempts, entry.StartedAt, entry.CompletedAt,
                entry.Result is null ? null : JsonSerializer.Deserialize<JsonElement>(entry.Result), entry.Error)
            : new OrderStepView(step, WorkflowTaskStatus.Pending, 0, null, null, null, null);
    }

    private static bool Undid(JsonElement? result) =>
        result is { ValueKind: JsonValueKind.Object } value
        && ((value.TryGetProperty("refunded", out var refunded) && refunded.ValueKind == JsonValueKind.True)
            || (value.TryGetProperty("released", out var released) && released.ValueKind == JsonValueKind.True));

    private static string? StringOf(JsonElement? result, string name) =>
        result is { ValueKind: JsonValueKind.Object } value && value.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.String
            ? property.GetString()
            : null;
}
