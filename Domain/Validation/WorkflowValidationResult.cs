using ServerlessTasks.Domain.Dag;

namespace ServerlessTasks.Domain.Validation;

/// <summary>The outcome of validating a submission: every problem found, and the graph when there were none.</summary>
/// <param name="Problems">Every problem found (up to <see cref="WorkflowLimits.MaxReportedProblems"/>), in a stable order.</param>
/// <param name="Graph">The validated DAG; <c>null</c> when there are problems or for single-task validation.</param>
public sealed record WorkflowValidationResult(IReadOnlyList<ValidationProblem> Problems, TaskGraph? Graph)
{
    /// <summary>True when no problem was found.</summary>
    public bool IsValid => Problems.Count == 0;

    /// <summary>The distinct codes found, in first-seen order.</summary>
    public IReadOnlyList<ValidationProblemCode> Codes => Problems.Select(p => p.Code).Distinct().ToList();
}
