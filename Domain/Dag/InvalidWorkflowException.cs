using ServerlessTasks.Domain.Validation;

namespace ServerlessTasks.Domain.Dag;

/// <summary>Thrown when a graph is built from tasks whose structure is invalid.</summary>
public sealed class InvalidWorkflowException : Exception
{
    /// <summary>Creates the exception from the problems found.</summary>
    /// <param name="problems">The problems.</param>
    public InvalidWorkflowException(IReadOnlyList<ValidationProblem> problems)
        : base(BuildMessage(problems))
    {
        Problems = problems;
    }

    /// <summary>Creates the exception with a message.</summary>
    public InvalidWorkflowException()
        : this([])
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public InvalidWorkflowException(string message)
        : base(message)
    {
        Problems = [];
    }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public InvalidWorkflowException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [];
    }

    /// <summary>The problems found.</summary>
    public IReadOnlyList<ValidationProblem> Problems { get; }

    private static string BuildMessage(IReadOnlyList<ValidationProblem> problems) =>
        problems.Count == 0
            ? "The workflow is invalid."
            : "The workflow is invalid: " + string.Join("; ", problems.Take(5).Select(p => p.Message))
                + (problems.Count > 5 ? $" (and {problems.Count - 5} more)" : string.Empty);
}
