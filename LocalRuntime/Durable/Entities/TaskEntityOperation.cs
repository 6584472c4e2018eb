namespace Microsoft.DurableTask.Entities;

/// <summary>One operation delivered to an entity: its name, input, the entity's context and state.</summary>
public abstract class TaskEntityOperation
{
    /// <summary>The operation name (matched case-insensitively by <see cref="TaskEntity{TState}"/>).</summary>
    public abstract string Name { get; }

    /// <summary>The entity's context (id, signals, new orchestrations).</summary>
    public abstract TaskEntityContext Context { get; }

    /// <summary>The entity's state.</summary>
    public abstract TaskEntityState State { get; }

    /// <summary>Whether the operation carries an input.</summary>
    public abstract bool HasInput { get; }

    /// <summary>Reads the input as <paramref name="inputType"/>.</summary>
    public abstract object? GetInput(Type inputType);

    /// <inheritdoc />
    public override string ToString() => $"{Context.Id}/{Name}";
}
