using System.Globalization;

namespace ServerlessTasks.Domain.Validation;

/// <summary>Collects problems up to a cap and counts the rest.</summary>
internal sealed class ProblemCollector(int maxReported)
{
    private readonly List<ValidationProblem> problems = [];
    private int dropped;

    public int Count => problems.Count + dropped;

    public void Add(ValidationProblemCode code, string message, IReadOnlyList<string> taskIds, IReadOnlyList<string>? related = null)
    {
        if (problems.Count >= maxReported)
        {
            dropped++;
            return;
        }

        problems.Add(new ValidationProblem(code, message, taskIds, related));
    }

    public List<ValidationProblem> ToList()
    {
        var result = new List<ValidationProblem>(problems);
        if (dropped > 0)
        {
            result.Add(new ValidationProblem(
                ValidationProblemCode.TooManyProblems,
                string.Create(CultureInfo.InvariantCulture, $"{dropped} more problems were found and not listed."),
                []));
        }

        return result;
    }
}
