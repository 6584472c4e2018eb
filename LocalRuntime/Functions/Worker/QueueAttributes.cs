namespace Microsoft.Azure.Functions.Worker;

/// <summary>Triggers a function for each message on a storage queue.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class QueueTriggerAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    public QueueTriggerAttribute(string queueName) => QueueName = queueName;

    /// <summary>The queue name (may be <c>%AppSetting%</c>).</summary>
    public string QueueName { get; }

    /// <summary>The connection setting name.</summary>
    public string? Connection { get; set; }
}

/// <summary>Sends the function's return value (or property) to a storage queue.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.ReturnValue)]
public sealed class QueueOutputAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    public QueueOutputAttribute(string queueName) => QueueName = queueName;

    /// <summary>The queue name.</summary>
    public string QueueName { get; }

    /// <summary>The connection setting name.</summary>
    public string? Connection { get; set; }
}
