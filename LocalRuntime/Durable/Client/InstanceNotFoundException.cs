namespace LocalRuntime.Durable.Client;

/// <summary>No orchestration instance with the given id exists in the task hub.</summary>
public sealed class InstanceNotFoundException : Exception
{
    public InstanceNotFoundException()
    {
    }

    public InstanceNotFoundException(string message)
        : base(message)
    {
    }

    public InstanceNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The instance that was not found.</summary>
    public string? InstanceId { get; init; }

    internal static InstanceNotFoundException For(string instanceId) =>
        new($"No instance with ID '{instanceId}' was found.") { InstanceId = instanceId };
}
