using LocalRuntime.Functions.Extensibility;

namespace LocalRuntime.Functions.Http;

/// <summary>Marks an endpoint as an HTTP-triggered function's.</summary>
internal sealed record FunctionEndpointMetadata(FunctionDescriptor Function, HttpTriggerInfo Trigger);

/// <summary>Marks an endpoint as mapped by an extension.</summary>
internal sealed record ExtensionEndpointMetadata(string Extension);
