namespace ServerlessTasks.Domain.Validation;

/// <summary>The priority scale of the task API: 1 is the lowest, 10 the highest.</summary>
public static class PriorityRange
{
    /// <summary>Lowest priority.</summary>
    public const int Min = 1;

    /// <summary>Highest priority.</summary>
    public const int Max = 10;
}
