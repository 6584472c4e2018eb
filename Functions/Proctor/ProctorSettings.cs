namespace ServerlessTasks.Functions.Proctor;

/// <summary>What the proctor reports (settings <c>Proctor:*</c>, see docs/deployment.md).</summary>
public sealed record ProctorSettings
{
    /// <summary>A task with less than this left to its deadline is reported as predicted to miss it.</summary>
    public TimeSpan DeadlineMargin { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A task running this long is reported stuck.</summary>
    public TimeSpan StuckAfter { get; init; } = TimeSpan.FromMinutes(30);
}
