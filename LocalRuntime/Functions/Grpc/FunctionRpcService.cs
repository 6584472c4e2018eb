using Grpc.Core;
using LocalRuntime.Functions.Rpc;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Functions.Grpc;

/// <summary>
/// The host's <c>FunctionRpc</c> service. A worker opens <c>EventStream</c> and first sends <c>StartStream</c> with the
/// worker id it was started with; the stream then belongs to that worker's <see cref="WorkerChannel"/> until it ends.
/// </summary>
internal sealed partial class FunctionRpcService(WorkerConnections connections, ILogger<FunctionRpcService> logger) : FunctionRpc.FunctionRpcBase
{
    public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var first = requestStream.Current;
        if (first.ContentCase != StreamingMessage.ContentOneofCase.StartStream)
        {
            LogUnexpectedFirstMessage(logger, first.ContentCase.ToString());
            throw new global::Grpc.Core.RpcException(new Status(StatusCode.FailedPrecondition, "The first message must be StartStream."));
        }

        var workerId = first.StartStream.WorkerId;
        if (!connections.TryClaim(workerId, out var channel))
        {
            LogUnknownWorker(logger, workerId);
            throw new global::Grpc.Core.RpcException(new Status(StatusCode.PermissionDenied, $"No worker {workerId} was started by this host."));
        }

        LogStreamOpened(logger, workerId, context.Peer);
        await channel.RunAsync(requestStream, responseStream, context.CancellationToken).ConfigureAwait(false);
        LogStreamClosed(logger, workerId);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "A worker stream began with {MessageType} instead of StartStream; refused.")]
    private static partial void LogUnexpectedFirstMessage(ILogger logger, string messageType);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "A stream from worker {WorkerId}, which this host did not start (or which already connected); refused.")]
    private static partial void LogUnknownWorker(ILogger logger, string workerId);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Worker {WorkerId} opened its stream from {Peer}.")]
    private static partial void LogStreamOpened(ILogger logger, string workerId, string peer);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Debug, Message = "Worker {WorkerId}'s stream ended.")]
    private static partial void LogStreamClosed(ILogger logger, string workerId);
}
