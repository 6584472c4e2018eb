using DurableTask.Core;
using P = Microsoft.DurableTask.Protobuf;

namespace LocalRuntime.Durable.Protobuf;

/// <summary>Failure details both ways between DTFx and the Durable protobuf contract.</summary>
internal static class FailureConverter
{
    public static P.TaskFailureDetails? ToProto(FailureDetails? details) => details is null ? null : new P.TaskFailureDetails
    {
        ErrorType = details.ErrorType ?? string.Empty,
        ErrorMessage = details.ErrorMessage ?? string.Empty,
        StackTrace = details.StackTrace,
        InnerFailure = ToProto(details.InnerFailure),
        IsNonRetriable = details.IsNonRetriable,
    };

    public static FailureDetails? ToCore(P.TaskFailureDetails? details) => details is null ? null : new FailureDetails(
        details.ErrorType,
        details.ErrorMessage,
        details.StackTrace,
        ToCore(details.InnerFailure),
        details.IsNonRetriable);
}
