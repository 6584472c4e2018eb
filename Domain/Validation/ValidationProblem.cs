namespace ServerlessTasks.Domain.Validation;

/// <summary>One reason a submission was refused.</summary>
/// <param name="Code">Machine-readable reason.</param>
/// <param name="Message">Human-readable explanation naming the offending values.</param>
/// <param name="TaskIds">
/// The offending task ids (for <see cref="ValidationProblemCode.Cycle"/>, the cycle in order: each task
/// depends on the next and the last on the first). Tasks without a usable id appear as <c>#index</c>.
/// </param>
/// <param name="Related">
/// Other values involved that are not task ids of this workflow, e.g. the unknown or repeated dependency
/// names; empty when there are none.
/// </param>
public sealed record ValidationProblem(
    ValidationProblemCode Code,
    string Message,
    IReadOnlyList<string> TaskIds,
    IReadOnlyList<string>? Related = null)
{
    /// <summary>The related values, never null.</summary>
    public IReadOnlyList<string> RelatedValues => Related ?? [];
}
