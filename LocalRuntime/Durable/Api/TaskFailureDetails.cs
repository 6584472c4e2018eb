namespace Microsoft.DurableTask;

/// <summary>Details of a failed activity, sub-orchestration or orchestration.</summary>
/// <param name="ErrorType">The full type name of the exception that caused the failure.</param>
/// <param name="ErrorMessage">Its message.</param>
/// <param name="StackTrace">Its stack trace, when known.</param>
/// <param name="InnerFailure">The inner failure, when there is one.</param>
public sealed record TaskFailureDetails(
    string ErrorType,
    string ErrorMessage,
    string? StackTrace,
    TaskFailureDetails? InnerFailure)
{
    /// <summary>Further failure properties, when the exception carried any.</summary>
    public IDictionary<string, object?>? Properties { get; init; }

    /// <summary>Whether the failure was caused by an exception of type <typeparamref name="T"/> (or a subtype).</summary>
    public bool IsCausedBy<T>()
        where T : Exception
    {
        var wanted = typeof(T);
        var type = ResolveType(ErrorType);
        if (type is not null)
        {
            return wanted.IsAssignableFrom(type);
        }

        // Unknown type (e.g. thrown in another process): fall back to a name match.
        return string.Equals(ErrorType, wanted.FullName, StringComparison.Ordinal);
    }

    /// <summary>Creates failure details from an exception.</summary>
    public static TaskFailureDetails FromException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is TaskFailedException failed)
        {
            // Keep the original failure as the inner one, as Durable does for rethrown task failures.
            return new TaskFailureDetails(
                exception.GetType().FullName!, exception.Message, exception.StackTrace, failed.FailureDetails);
        }

        return new TaskFailureDetails(
            exception.GetType().FullName!,
            exception.Message,
            exception.StackTrace,
            exception.InnerException is null ? null : FromException(exception.InnerException));
    }

    /// <inheritdoc />
    public override string ToString() => $"{ErrorType}: {ErrorMessage}";

    private static Type? ResolveType(string name)
    {
        var type = Type.GetType(name, throwOnError: false);
        if (type is not null)
        {
            return type;
        }

        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            type = assembly.GetType(name, throwOnError: false);
            if (type is not null)
            {
                return type;
            }
        }

        return null;
    }
}
