namespace LocalRuntime.Functions.Worker;

/// <summary>The host's current worker process, as tests and diagnostics see it (values change when the worker is restarted).</summary>
public interface IWorkerProcess
{
    /// <summary>The current worker's process id, or -1 while none is running.</summary>
    int ProcessId { get; }

    /// <summary>The current worker's id (<c>--functions-worker-id</c>).</summary>
    string WorkerId { get; }

    /// <summary>The current worker's own HTTP endpoint (its <c>HttpUri</c> capability), where the host proxies HTTP triggers.</summary>
    Uri? HttpUri { get; }

    /// <summary>The current worker's command line, executable first (setpriv's wrapper included where it is used).</summary>
    IReadOnlyList<string> CommandLine { get; }

    /// <summary>How many worker processes this host has started (1 until the first restart).</summary>
    int StartCount { get; }

    /// <summary>Whether a worker is connected with its functions loaded.</summary>
    bool IsReady { get; }

    /// <summary>A <c>WorkerStatusRequest</c> round trip to the current worker (a liveness probe); its latency.</summary>
    /// <exception cref="Extensibility.WorkerUnavailableException">No worker is ready.</exception>
    Task<TimeSpan> ProbeAsync(CancellationToken cancellation);
}
