namespace ServerlessTasks.Domain.Model;

/// <summary>
/// Where and how to tell the client that a task or workflow finished (the Async Completion Token pattern).
/// </summary>
/// <param name="Url">Absolute http(s) URL the signed webhook is POSTed to.</param>
/// <param name="Token">Opaque client value echoed back verbatim in every delivery.</param>
/// <param name="Events">Which events to deliver; <c>null</c> or empty means only the final outcome.</param>
public sealed record CallbackSpec(
    string Url,
    string? Token = null,
    IReadOnlyList<CallbackEventKind>? Events = null)
{
    /// <summary>The requested events, defaulting to the final outcome only.</summary>
    public IReadOnlyList<CallbackEventKind> EffectiveEvents =>
        Events is { Count: > 0 } ? Events : [CallbackEventKind.Completed];
}
