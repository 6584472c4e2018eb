namespace LocalRuntime.Functions.Hosting;

/// <summary>
/// The host's settings: host.json's (<c>functionTimeout</c>, <c>extensions.http.routePrefix</c>) and the local host's own
/// (section <c>LocalRuntime:Host</c>). Validated when the host starts.
/// </summary>
public sealed class LocalFunctionsHostOptions
{
    /// <summary>The configuration section of the local host's own settings.</summary>
    public const string Section = "LocalRuntime:Host";

    /// <summary>host.json <c>extensions.http.routePrefix</c> (default <c>api</c>; empty for none).</summary>
    public string RoutePrefix { get; set; } = "api";

    /// <summary>
    /// host.json <c>functionTimeout</c>: an invocation still running after it is cancelled, and its worker restarted, as
    /// the Functions host does. Default 30 minutes (the Functions default outside Consumption); <c>-1</c> means none.
    /// </summary>
    public TimeSpan? FunctionTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a worker may take from process start to all functions loaded.</summary>
    public TimeSpan WorkerStartupTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The grace period sent in <c>WorkerTerminate</c>; the worker is killed if it has not exited by then (Functions: 5 s).</summary>
    public TimeSpan WorkerTerminateGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a stopping host waits for invocations in flight before it tells the worker to terminate.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The delay before the second of consecutive restarts (the first is immediate); it doubles per failure up to <see cref="MaxRestartDelay"/>.</summary>
    public TimeSpan InitialRestartDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest delay between restarts.</summary>
    public TimeSpan MaxRestartDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A worker that ran this long before exiting resets the restart count (its exit is not part of a crash loop).</summary>
    public TimeSpan WorkerStableAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>After this many consecutive failed starts or quick exits the host gives up and stops, as the Functions host recycles itself.</summary>
    public int MaxConsecutiveRestarts { get; set; } = 10;

    /// <summary>How often the worker is sent a <c>WorkerStatusRequest</c> (liveness probe).</summary>
    public TimeSpan WorkerProbeInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A worker that leaves a status request unanswered this long is taken as hung and restarted.</summary>
    public TimeSpan WorkerProbeTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The largest request body the public listener accepts (Functions' default: 100 MB).</summary>
    public long MaxRequestBodySize { get; set; } = 104_857_600;

    /// <summary>
    /// Environment variables set for the worker on top of the inherited environment and local.settings.json <c>Values</c>
    /// (these win over both). From configuration: <c>LocalRuntime:Host:WorkerEnvironment:NAME</c>.
    /// </summary>
    public IDictionary<string, string> WorkerEnvironment { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
