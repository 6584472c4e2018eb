using System.Text.Json;
using ServerlessTasks.Domain.Workers;

namespace ServerlessTasks.Functions.Workers;

/// <summary><c>POST /api/workers/register</c>.</summary>
/// <param name="WorkerId">The worker's id (a safe storage key, at most 128 characters).</param>
/// <param name="Capabilities">The task types it runs (at least one).</param>
/// <param name="MaxConcurrentTasks">Most leases it holds at once (1-1000, default 1).</param>
public sealed record RegisterBody(string? WorkerId, IReadOnlyList<string>? Capabilities, int? MaxConcurrentTasks);

/// <summary><c>POST /api/workers/{worker_id}/heartbeat</c>.</summary>
/// <param name="Status">active (default) or draining.</param>
/// <param name="CurrentTasks">Tasks it runs now, as it counts them.</param>
/// <param name="SystemInfo">Anything it wants shown (JSON object).</param>
public sealed record HeartbeatBody(WorkerStatus? Status, int? CurrentTasks, JsonElement? SystemInfo);

/// <summary><c>POST /api/workers/{worker_id}/lease</c>.</summary>
/// <param name="MaxTasks">Most tasks to take (1-100, default 1; never more than the worker's free slots).</param>
/// <param name="WaitSeconds">How long to wait for work when none is queued (0-30, default 0).</param>
public sealed record LeaseBody(int? MaxTasks, double? WaitSeconds);

/// <summary><c>POST /api/leases/{lease_token}/complete</c>.</summary>
/// <param name="WorkerId">The worker holding the lease.</param>
/// <param name="Result">The task's result (any JSON).</param>
public sealed record CompleteBody(string? WorkerId, JsonElement? Result);

/// <summary><c>POST /api/leases/{lease_token}/fail</c>.</summary>
/// <param name="WorkerId">The worker holding the lease.</param>
/// <param name="Error">Why it failed.</param>
/// <param name="Retryable">Whether the task's retry policy may try again (default true).</param>
public sealed record FailBody(string? WorkerId, string? Error, bool? Retryable);

/// <summary><c>POST /api/leases/{lease_token}/renew</c>.</summary>
/// <param name="WorkerId">The worker holding the lease.</param>
public sealed record RenewBody(string? WorkerId);
