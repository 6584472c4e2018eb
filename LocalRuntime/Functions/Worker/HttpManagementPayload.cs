namespace Microsoft.Azure.Functions.Worker;

/// <summary>The Durable management URLs of one orchestration instance.</summary>
public class HttpManagementPayload
{
    /// <summary>The instance id.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>GET: status.</summary>
    public string StatusQueryGetUri { get; init; } = string.Empty;

    /// <summary>POST: raise an event (replace <c>{eventName}</c>).</summary>
    public string SendEventPostUri { get; init; } = string.Empty;

    /// <summary>POST: terminate (replace <c>{text}</c> with the reason).</summary>
    public string TerminatePostUri { get; init; } = string.Empty;

    /// <summary>DELETE: purge history.</summary>
    public string PurgeHistoryDeleteUri { get; init; } = string.Empty;

    /// <summary>POST: restart.</summary>
    public string RestartPostUri { get; init; } = string.Empty;

    /// <summary>POST: suspend.</summary>
    public string SuspendPostUri { get; init; } = string.Empty;

    /// <summary>POST: resume.</summary>
    public string ResumePostUri { get; init; } = string.Empty;

    /// <summary>POST: rewind a failed instance.</summary>
    public string RewindPostUri { get; init; } = string.Empty;
}
