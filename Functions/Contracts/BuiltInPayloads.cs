using ServerlessTasks.Activities;
using ServerlessTasks.Domain.Validation;

namespace ServerlessTasks.Functions.Contracts;

/// <summary>
/// What the built-in task types accept in their payloads, checked at submission (single tasks and workflows alike),
/// so a runner never has to clamp or ignore a value it was given.
/// </summary>
public static class BuiltInPayloads
{
    /// <summary>The checks: <c>delay.seconds</c> 0 up to the longest timeout; <c>compute.iterations</c> a whole 1 to <see cref="ComputeActivity.MaxIterations"/>.</summary>
    public static PayloadRules Rules { get; } = new PayloadRules()
        .Add(TaskTypes.Delay, PayloadRules.OptionalNumber("seconds", 0, WorkflowLimits.Default.MaxTimeout.TotalSeconds))
        .Add(TaskTypes.Compute, PayloadRules.OptionalNumber("iterations", 1, ComputeActivity.MaxIterations, whole: true));

    /// <summary>The validator every submit endpoint uses.</summary>
    public static WorkflowValidator Validator { get; } = new(payloads: Rules, cacheableTypes: TaskTypes.Deterministic);
}
