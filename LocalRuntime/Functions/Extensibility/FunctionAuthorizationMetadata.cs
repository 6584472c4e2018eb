namespace LocalRuntime.Functions.Extensibility;

/// <summary>Endpoint metadata: the host checks function keys for this level before the endpoint runs (401 problem JSON otherwise).</summary>
/// <param name="Level">The level required.</param>
public sealed record FunctionAuthorizationMetadata(FunctionAuthorizationLevel Level);
