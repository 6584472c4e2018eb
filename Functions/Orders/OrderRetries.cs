using System.Text.Json;
using Microsoft.Extensions.Configuration;
using ServerlessTasks.Domain.Model;
using ServerlessTasks.Domain.Orders;
using ServerlessTasks.Domain.Scheduling;

namespace ServerlessTasks.Functions.Orders;

/// <summary>
/// The back-off the workflow orchestrator waits between an order step's attempts: its tier's
/// (<see cref="OrderPolicy.RetryBackoffOf"/>, VIP retries sooner), read from the step's payload (the order). Every
/// other task, and the compensations, keep <see cref="RetryBackoff.Default"/>.
/// </summary>
public static class OrderRetries
{
    // Orchestrations cannot take services: the policy comes from the worker's settings (where both hosts put app
    // settings, as the API and the activities read them), once, so every replay waits the same delays.
    private static readonly Lazy<OrderPolicy> Policy = new(() =>
        new ConfigurationBuilder().AddEnvironmentVariables().Build().GetSection("Orders:Policy").Get<OrderPolicy>() ?? OrderPolicy.Default);

    /// <summary>The back-off between <paramref name="task"/>'s attempts under the app's policy.</summary>
    public static RetryBackoff BackoffFor(TaskSpec task) => BackoffFor(task, Policy.Value);

    /// <summary>The back-off between <paramref name="task"/>'s attempts under <paramref name="policy"/>.</summary>
    public static RetryBackoff BackoffFor(TaskSpec task, OrderPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(policy);
        return IsStep(task.TaskType) && TierOf(task.Payload) is { } tier ? policy.RetryBackoffOf(tier) : RetryBackoff.Default;
    }

    private static bool IsStep(string taskType) => taskType?.ToLowerInvariant() is OrderSteps.Types.FraudCheck or OrderSteps.Types.Charge
        or OrderSteps.Types.Reserve or OrderSteps.Types.Pack or OrderSteps.Types.Ship or OrderSteps.Types.Notify;

    /// <summary>The payload's <c>customer.tier</c>; null when it names none (a hand-built workflow's own payload).</summary>
    private static CustomerTier? TierOf(JsonElement? payload) =>
        payload is { ValueKind: JsonValueKind.Object } order
        && order.TryGetProperty("customer", out var customer) && customer.ValueKind == JsonValueKind.Object
        && customer.TryGetProperty("tier", out var tier) && tier.ValueKind == JsonValueKind.String
            ? tier.GetString() switch
            {
                "vip" => CustomerTier.Vip,
                "regular" => CustomerTier.Regular,
                _ => null,
            }
            : null;
}
