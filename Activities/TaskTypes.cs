namespace ServerlessTasks.Activities;

/// <summary>Maps task types (as clients name them) to the activity functions that run them.</summary>
public static class TaskTypes
{
    /// <summary>Returns its payload.</summary>
    public const string Echo = "echo";

    private static readonly Dictionary<string, string> Activities = new(StringComparer.OrdinalIgnoreCase)
    {
        [Echo] = nameof(EchoActivity),
    };

    /// <summary>The built-in task types.</summary>
    public static IReadOnlyCollection<string> BuiltIn => Activities.Keys;

    /// <summary>Whether a task type is known.</summary>
    public static bool IsKnown(string taskType) => Activities.ContainsKey(taskType);

    /// <summary>The activity function that runs a task type.</summary>
    public static string ActivityFor(string taskType) =>
        Activities.TryGetValue(taskType, out var activity)
            ? activity
            : throw new ArgumentException($"Unknown task type '{taskType}'.", nameof(taskType));
}
