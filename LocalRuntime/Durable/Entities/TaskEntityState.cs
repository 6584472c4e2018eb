namespace Microsoft.DurableTask.Entities;

/// <summary>The state of an entity, read and written by its operations.</summary>
public abstract class TaskEntityState
{
    /// <summary>Whether the entity has a state (null state means none).</summary>
    public abstract bool HasState { get; }

    /// <summary>Reads the state as <paramref name="type"/>; null when there is none.</summary>
    public abstract object? GetState(Type type);

    /// <summary>Replaces the state; null deletes it.</summary>
    public abstract void SetState(object? state);
}
