namespace ServerlessTasks.Webhooks;

/// <summary>Durable callback delivery state: deliveries, the dead-letter queue and disabled endpoints.</summary>
public interface ICallbackStore
{
    /// <summary>Creates the storage if needed.</summary>
    Task InitializeAsync(CancellationToken cancellation = default);

    /// <summary>Creates the record if it is new; returns the stored record either way.</summary>
    Task<CallbackRecord> AddAsync(CallbackRecord record, CancellationToken cancellation = default);

    /// <summary>Creates each record that is new, all in one write; returns the stored records (in the given order) either way.</summary>
    Task<IReadOnlyList<CallbackRecord>> AddRangeAsync(IReadOnlyList<CallbackRecord> records, CancellationToken cancellation = default);

    /// <summary>Replaces the record (insert when missing).</summary>
    Task SaveAsync(CallbackRecord record, CancellationToken cancellation = default);

    /// <summary>One delivery, or null.</summary>
    Task<CallbackRecord?> GetAsync(string deliveryId, CancellationToken cancellation = default);

    /// <summary>Every delivery of a workflow (or single-task orchestration), for status views: <see cref="CallbackRecord.Request"/> may be left empty.</summary>
    Task<IReadOnlyList<CallbackRecord>> ListForWorkflowAsync(string workflowId, CancellationToken cancellation = default);

    /// <summary>A page of deliveries in one status, oldest change first.</summary>
    Task<CallbackPage> ListByStatusAsync(CallbackDeliveryStatus status, int limit, int offset, CancellationToken cancellation = default);

    /// <summary>Records that an endpoint answered 410 Gone.</summary>
    Task DisableEndpointAsync(string url, DateTimeOffset at, CancellationToken cancellation = default);

    /// <summary>True when the endpoint answered 410 Gone before.</summary>
    Task<bool> IsEndpointDisabledAsync(string url, CancellationToken cancellation = default);
}
