namespace LocalRuntime.Durable.Hosting;

/// <summary>Where the worker's <c>DurableTaskClient</c> reaches the host: the gRPC <c>TaskHubSidecarService</c>.</summary>
public interface IDurableClientEndpoint
{
    /// <summary>The sidecar's address (loopback, HTTP/2), the binding's <c>rpcBaseUrl</c>.</summary>
    Uri Address { get; }

    /// <summary>Query string the client appends to management URLs it builds (e.g. <c>code=...</c>), or empty.</summary>
    string RequiredQueryStringParameters { get; }
}
