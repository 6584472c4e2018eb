namespace Microsoft.Azure.Functions.Worker;

/// <summary>Binds a <c>TaskOrchestrationContext</c> parameter: the function is an orchestrator.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class OrchestrationTriggerAttribute : Attribute
{
    /// <summary>The orchestrator name; the function name when null.</summary>
    public string? Orchestration { get; set; }
}

/// <summary>Binds the input parameter of an activity function.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class ActivityTriggerAttribute : Attribute
{
    /// <summary>The activity name; the function name when null.</summary>
    public string? Activity { get; set; }
}

/// <summary>Binds a <c>TaskEntityDispatcher</c> parameter: the function is an entity.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class EntityTriggerAttribute : Attribute
{
    /// <summary>The entity name; the function name when null.</summary>
    public string? EntityName { get; set; }
}

/// <summary>Binds a <c>DurableTaskClient</c> parameter.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class DurableClientAttribute : Attribute
{
    /// <summary>The task hub; the host's when null.</summary>
    public string? TaskHub { get; set; }

    /// <summary>The storage connection setting name.</summary>
    public string? ConnectionName { get; set; }
}
