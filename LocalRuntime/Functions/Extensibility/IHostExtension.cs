using LocalRuntime.Functions.Rpc;
using Microsoft.AspNetCore.Routing;

namespace LocalRuntime.Functions.Extensibility;

/// <summary>
/// A host-side extension (as Durable is to Microsoft's host): it dispatches some trigger types itself, supplies
/// some input bindings, serves endpoints of its own and lives as long as the host.
/// </summary>
public interface IHostExtension
{
    /// <summary>The extension's name, for logs.</summary>
    string Name { get; }

    /// <summary>Trigger binding types this extension invokes itself; the host starts no listener for them.</summary>
    IReadOnlyCollection<string> TriggerTypes { get; }

    /// <summary>Non-trigger input binding types this extension supplies on every invocation that declares one.</summary>
    IReadOnlyCollection<string> InputBindingTypes { get; }

    /// <summary>The value of one input binding of a type in <see cref="InputBindingTypes"/> for one invocation.</summary>
    TypedData BindInput(FunctionBinding binding, InvocationContext context);

    /// <summary>Output binding types this extension writes (e.g. <c>queue</c>), whatever triggered the function.</summary>
    IReadOnlyCollection<string> OutputBindingTypes { get; }

    /// <summary>
    /// Writes one output binding's value after a successful invocation (<c>$return</c> from the response's return value,
    /// named outputs from its output data). A failure fails the invocation as the trigger sees it (the queue message is
    /// retried, the HTTP caller gets a 500).
    /// </summary>
    Task WriteOutputAsync(FunctionBinding binding, TypedData value, InvocationContext context, CancellationToken cancellation);

    /// <summary>Adds the extension's endpoints to the host's public HTTP listener (before the function routes).</summary>
    void MapEndpoints(IEndpointRouteBuilder endpoints);

    /// <summary>Called once the worker has loaded the app's functions, before the host reports ready.</summary>
    Task StartAsync(IFunctionsHost host, CancellationToken cancellation);

    /// <summary>Called when the host stops, before the worker is told to terminate: stop taking new work, drain.</summary>
    Task StopAsync(CancellationToken cancellation);
}
