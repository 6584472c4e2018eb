using Grpc.Core;
using Grpc.Core.Interceptors;

namespace LocalRuntime.Durable.Client;

/// <summary>
/// Refuses calls whose <c>Durable-TaskHub</c> header names another task hub than the host's one (Durable would open a
/// client for that hub; this host serves one hub only). No header, or an empty one, means the host's hub.
/// </summary>
internal sealed class TaskHubCheckInterceptor(DurableClientService client) : Interceptor
{
    internal const string TaskHubHeader = "durable-taskhub";

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, responseStream, context);
    }

    private void Check(ServerCallContext context)
    {
        var hub = context.RequestHeaders.GetValue(TaskHubHeader);
        if (!string.IsNullOrWhiteSpace(hub) && !string.Equals(hub, client.Options.TaskHubName, StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(
                StatusCode.InvalidArgument,
                $"Task hub '{hub}' is not served here: this host serves the task hub '{client.Options.TaskHubName}' only."));
        }
    }
}
