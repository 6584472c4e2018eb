using LocalRuntime.Durable.Engine;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.DurableTask.Client;

namespace Microsoft.Azure.Functions.Worker;

/// <summary>Functions-specific helpers on <see cref="DurableTaskClient"/>.</summary>
public static class DurableTaskClientExtensions
{
    /// <summary>The management URLs of an instance, built from the request's origin or the host's base URL.</summary>
    public static HttpManagementPayload CreateHttpManagementPayload(this DurableTaskClient client, string instanceId, HttpRequestData? request = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        var origin = request is not null
            ? request.Url.GetLeftPart(UriPartial.Authority)
            : ((client as LocalDurableTaskClient)?.HttpBaseUrl ?? new Uri("http://localhost:7071")).GetLeftPart(UriPartial.Authority);
        var instance = $"{origin}/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(instanceId)}";
        var query = $"taskHub={Uri.EscapeDataString(client.Name)}&connection=Storage";
        return new HttpManagementPayload
        {
            Id = instanceId,
            StatusQueryGetUri = $"{instance}?{query}",
            SendEventPostUri = $"{instance}/raiseEvent/{{eventName}}?{query}",
            TerminatePostUri = $"{instance}/terminate?reason={{text}}&{query}",
            PurgeHistoryDeleteUri = $"{instance}?{query}",
            RestartPostUri = $"{instance}/restart?{query}",
            SuspendPostUri = $"{instance}/suspend?reason={{text}}&{query}",
            ResumePostUri = $"{instance}/resume?reason={{text}}&{query}",
            RewindPostUri = $"{instance}/rewind?reason={{text}}&{query}",
        };
    }
}
