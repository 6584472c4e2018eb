using Microsoft.CodeAnalysis;

namespace ServerlessTasks.Analyzers;

/// <summary>
/// The rules of <see cref="OrchestratorSchedulerAnalyzer"/>: orchestrator code runs on the orchestration's own
/// scheduler, and anything that continues or runs elsewhere escapes it. Microsoft's executor then never sees the
/// orchestrator's next step, and the instance stays Running with every task done. See <c>Analyzers/README.md</c>.
/// </summary>
public static class OrchestratorRules
{
    /// <summary>The category of every rule here.</summary>
    public const string Category = "Orchestration";

    /// <summary>STO0001: an await that does not resume on the captured context.</summary>
    public const string ConfigureAwaitId = "STO0001";

    /// <summary>STO0002: work started on another thread or scheduler.</summary>
    public const string OtherSchedulerWorkId = "STO0002";

    /// <summary>STO0003: a continuation scheduled outside the orchestration.</summary>
    public const string OtherSchedulerContinuationId = "STO0003";

    /// <summary>STO0001: orchestrator code must resume on the orchestration's context.</summary>
    public static readonly DiagnosticDescriptor ConfigureAwait = new(
        ConfigureAwaitId,
        title: "Orchestrator code must resume on the orchestration's context",
        messageFormat: "'{0}' resumes outside the orchestration's scheduler in '{1}' ({2}); await without ConfigureAwait, or pass true or ConfigureAwaitOptions.ContinueOnCapturedContext",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "An await with ConfigureAwait(false), a ConfigureAwait argument that is not the constant true, or ConfigureAwaitOptions without "
            + "ContinueOnCapturedContext resumes on the thread pool instead of the orchestration's scheduler. Durable's executor never sees the "
            + "orchestrator's next step: the instance stays Running forever with every task done. Covers Task, Task<T>, ValueTask, ValueTask<T>, "
            + "IAsyncEnumerable and IAsyncDisposable ConfigureAwait.",
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>STO0002: orchestrator code must not start work on another thread or scheduler.</summary>
    public static readonly DiagnosticDescriptor OtherSchedulerWork = new(
        OtherSchedulerWorkId,
        title: "Orchestrator code must not start work on another thread or scheduler",
        messageFormat: "'{0}' runs work outside the orchestration's scheduler in '{1}' ({2}); schedule activities, sub-orchestrations or durable timers and await them",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Task.Run, TaskFactory.StartNew, Task.Start, Thread.Start, ThreadPool queueing, Parallel.* and System.Threading/System.Timers "
            + "timers run code on pool threads, outside the orchestration's scheduler: that code races the orchestrator, is not replayed "
            + "deterministically, and whatever it awaits or completes is invisible to Durable's executor. Do the work in an activity.",
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>STO0003: orchestrator code must not schedule continuations outside the orchestration.</summary>
    public static readonly DiagnosticDescriptor OtherSchedulerContinuation = new(
        OtherSchedulerContinuationId,
        title: "Orchestrator code must not schedule continuations outside the orchestration",
        messageFormat: "'{0}' schedules a continuation outside the orchestration's scheduler in '{1}' ({2}); await the task directly (Task.WhenAll or Task.WhenAny combine orchestration tasks)",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "ContinueWith (with or without a scheduler: without one it uses TaskScheduler.Current, which is the default scheduler until the "
            + "orchestrator first awaits), TaskFactory.ContinueWhenAll/ContinueWhenAny, TaskScheduler.Default and Task.Yield hand the next step to "
            + "a scheduler chosen by whoever runs the code, not by the orchestration. An await on the orchestration's own tasks is the only "
            + "continuation Durable's executor follows.",
        customTags: WellKnownDiagnosticTags.CompilationEnd);
}
