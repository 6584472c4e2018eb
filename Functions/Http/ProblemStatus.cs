using ServerlessTasks.Domain.Validation;

namespace ServerlessTasks.Functions.Http;

/// <summary>Which status a set of validation problems earns.</summary>
public static class ProblemStatus
{
    /// <summary>413 when the submission is over a documented size limit (payload, task count), else 422.</summary>
    public static (int Status, string Title) For(IReadOnlyList<ValidationProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return problems.Any(p => p.Code is ValidationProblemCode.PayloadTooLarge or ValidationProblemCode.TooManyTasks)
            ? (413, "Payload Too Large")
            : (422, "Unprocessable Entity");
    }
}
