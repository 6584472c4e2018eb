using LocalRuntime.Functions.Extensibility;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Functions.Grpc;

/// <summary>A function as one worker process loaded it: its descriptor, the id this worker knows it by, its log category.</summary>
internal sealed class LoadedFunction(FunctionDescriptor descriptor, ILogger userLogger)
{
    public FunctionDescriptor Descriptor { get; } = descriptor;

    /// <summary>The id in this worker's metadata (a restarted worker may assign new ones; invocations use this one).</summary>
    public string FunctionId => Descriptor.FunctionId;

    /// <summary>The category the function's own logs go to: <c>Function.{name}.User</c>, as the Functions host names it.</summary>
    public ILogger UserLogger { get; } = userLogger;
}
