using LocalRuntime.Functions.Rpc;

namespace LocalRuntime.Functions.Extensibility;

/// <summary>What the host offers its extensions: the app's functions and a way to invoke them in the worker.</summary>
public interface IFunctionsHost
{
    /// <summary>The functions the worker indexed and loaded.</summary>
    IReadOnlyList<FunctionDescriptor> Functions { get; }

    /// <summary>The host's public base address (scheme, host, port), e.g. <c>http://127.0.0.1:7071/</c>.</summary>
    Uri BaseAddress { get; }

    /// <summary>
    /// Invokes <paramref name="function"/> in the worker with <paramref name="triggerValue"/> as its trigger input; the host adds
    /// every other input binding (asking the extension that owns its type). Waits for a worker to be ready (one restarting after a
    /// crash included) as long as <paramref name="cancellation"/> allows. After a successful response it writes the function's
    /// output bindings (through the extension that owns each type) before returning.
    /// </summary>
    /// <returns>The worker's response, whatever its status (a function that threw is a <c>Failure</c> response, not an exception).</returns>
    /// <exception cref="WorkerUnavailableException">The invocation could not be completed by a worker (it exited or the host is stopping):
    /// it may or may not have run, and should be retried or redelivered.</exception>
    Task<InvocationResponse> InvokeAsync(
        FunctionDescriptor function,
        TypedData triggerValue,
        IReadOnlyDictionary<string, TypedData>? triggerMetadata,
        CancellationToken cancellation);
}
