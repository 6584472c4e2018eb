using LocalRuntime.Functions.Extensibility;
using LocalRuntime.Functions.Rpc;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace LocalRuntime.Functions.Hosting;

/// <summary>The <see cref="IFunctionsHost"/> extensions get: the functions of the first worker, the public address, invocation.</summary>
internal sealed class FunctionsHostFacade(FunctionInvoker invoker, IServer server) : IFunctionsHost
{
    private IReadOnlyList<FunctionDescriptor> _functions = [];
    private Uri? _baseAddress;

    public IReadOnlyList<FunctionDescriptor> Functions => Volatile.Read(ref _functions);

    public Uri BaseAddress => _baseAddress ??= ReadBaseAddress();

    public void SetFunctions(IReadOnlyList<FunctionDescriptor> functions) => Volatile.Write(ref _functions, functions);

    public Task<InvocationResponse> InvokeAsync(FunctionDescriptor function, TypedData triggerValue, IReadOnlyDictionary<string, TypedData>? triggerMetadata, CancellationToken cancellation) =>
        invoker.InvokeAsync(function, triggerValue, triggerMetadata, cancellation);

    /// <summary>The first address the public listener bound, wildcards as <c>localhost</c> (known once the listener started).</summary>
    private Uri ReadBaseAddress()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The host's HTTP listener has not started yet.");
        var uri = new Uri(address
            .Replace("://[::]", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
            .Replace("://+", "://localhost", StringComparison.Ordinal)
            .Replace("://*", "://localhost", StringComparison.Ordinal));
        if (uri.Port == 0)
        {
            throw new InvalidOperationException("The host's HTTP listener has not bound its port yet.");
        }

        return new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
    }
}
