namespace Microsoft.DurableTask;

/// <summary>The name (and optional version) of an orchestrator, activity or entity.</summary>
public readonly struct TaskName : IEquatable<TaskName>
{
    /// <summary>Creates a task name.</summary>
    public TaskName(string name, string? version = null)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        Version = version ?? string.Empty;
    }

    /// <summary>The name.</summary>
    public string Name { get; }

    /// <summary>The version; empty when none.</summary>
    public string Version { get; }

    /// <summary>Converts a string into a task name.</summary>
    public static implicit operator TaskName(string name) => new(name);

    /// <summary>Converts a task name into its string form.</summary>
    public static implicit operator string(TaskName name) => name.Name;

    /// <summary>Equality by name (ordinal, case-insensitive, as function names are) and version.</summary>
    public static bool operator ==(TaskName left, TaskName right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(TaskName left, TaskName right) => !left.Equals(right);

    /// <summary>Converts a string into a task name.</summary>
    public static TaskName FromString(string name) => new(name);

    /// <inheritdoc />
    public bool Equals(TaskName other) =>
        string.Equals(Name, other.Name, StringComparison.OrdinalIgnoreCase)
        && string.Equals(Version, other.Version, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TaskName other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Name ?? string.Empty);

    /// <inheritdoc />
    public override string ToString() => string.IsNullOrEmpty(Version) ? Name ?? string.Empty : $"{Name}:{Version}";
}
