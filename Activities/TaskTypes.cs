using ServerlessTasks.Activities.Orders;
using ServerlessTasks.Domain.Orders;

namespace ServerlessTasks.Activities;

/// <summary>The built-in task types (as clients name them) and the activity functions that run them.</summary>
public static class TaskTypes
{
    /// <summary>Returns its payload.</summary>
    public const string Echo = "echo";

    /// <summary>Calls a URL: <c>{url, method?, headers?, body?, timeout_seconds?}</c>.</summary>
    public const string Http = "http";

    /// <summary>Waits on a durable timer: <c>{seconds}</c>.</summary>
    public const string Delay = "delay";

    /// <summary>Hashes its payload (SHA-256), <c>{iterations?}</c> times.</summary>
    public const string Compute = "compute";

    /// <summary>Waits for the event <c>approval:{task_id}</c>, up to the task's timeout.</summary>
    public const string Approval = "approval";

    /// <summary>Fails its first <c>fail_times</c> attempts (default: always), then succeeds.</summary>
    public const string Fail = "fail";

    private static readonly Dictionary<string, string?> Runners = new(StringComparer.OrdinalIgnoreCase)
    {
        [Echo] = nameof(EchoActivity),
        [Http] = nameof(HttpActivity),
        [Compute] = nameof(ComputeActivity),
        [Fail] = nameof(FailActivity),
        [Delay] = null, // durable timer in the orchestrator
        [Approval] = null, // external event in the orchestrator
        // The order pipeline's steps (named in Domain/Orders/OrderSteps.cs, run by Activities/Orders).
        [OrderSteps.Types.FraudCheck] = nameof(OrderActivities.OrderFraudCheck),
        [OrderSteps.Types.Charge] = nameof(OrderActivities.OrderCharge),
        [OrderSteps.Types.Refund] = nameof(OrderActivities.OrderRefund),
        [OrderSteps.Types.Reserve] = nameof(OrderActivities.OrderReserve),
        [OrderSteps.Types.Release] = nameof(OrderActivities.OrderRelease),
        [OrderSteps.Types.Pack] = nameof(OrderActivities.OrderPack),
        [OrderSteps.Types.Ship] = nameof(OrderActivities.OrderShip),
        [OrderSteps.Types.Notify] = nameof(OrderActivities.OrderNotify),
    };

    /// <summary>
    /// The task types whose result depends on the payload alone, so a cached result stands for a run (<c>cache</c> on a
    /// task): <c>echo</c> and <c>compute</c>. Not <c>http</c> (the far side changes), <c>fail</c> (counts attempts),
    /// the waits, the order steps (side effects) or external types (unknown to the app).
    /// </summary>
    public static IReadOnlyCollection<string> Deterministic { get; } = [Echo, Compute];

    /// <summary>The built-in task types.</summary>
    public static IReadOnlyCollection<string> BuiltIn => Runners.Keys;

    /// <summary>Whether a task type is known.</summary>
    public static bool IsKnown(string taskType) => Runners.ContainsKey(taskType);

    /// <summary>Whether a task type runs on external workers (every type that is not built in: it waits for a worker offering it).</summary>
    public static bool IsExternal(string taskType) => !Runners.ContainsKey(taskType);

    /// <summary>The activity function that runs a task type.</summary>
    public static string ActivityFor(string taskType) =>
        Runners.TryGetValue(taskType, out var activity) && activity is not null
            ? activity
            : throw new ArgumentException($"Task type '{taskType}' is not run by an activity.", nameof(taskType));
}
