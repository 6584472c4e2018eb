namespace ServerlessTasks.Functions.Callbacks;

/// <summary>A <see cref="CallbackFanOutOrchestrator"/> generation's input: the notices still to start, and how many earlier generations started.</summary>
/// <param name="Notices">The deliveries this generation records and starts.</param>
/// <param name="StartedBefore">Deliveries started by the generations before this one (0 for the first).</param>
public sealed record CallbackFanOutInput(IReadOnlyList<CallbackNotice> Notices, int StartedBefore);
