using LocalRuntime.Functions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ServerlessTasks.Tests;

/// <summary>
/// The app on a host whose clock is fake: durable time (orchestrations' <c>CurrentUtcDateTime</c>, durable timers, so
/// task timeouts, delays, approval windows and retry back-off) moves only when a test advances it. The worker process
/// keeps the real clock, so the two drift apart by design: the app's HLC accepts remote stamps up to a week ahead here
/// (in a deployment both sides read one clock and the default one minute applies).
/// </summary>
public class FakeClockAppHost : AppHost
{
    /// <summary>Durable time; it starts at the real time so both clocks begin together.</summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>The later of durable and real time: a time still in the future for both the worker's checks and the orchestrations.</summary>
    public DateTimeOffset LaterOfBothClocks => Clock.GetUtcNow() > DateTimeOffset.UtcNow ? Clock.GetUtcNow() : DateTimeOffset.UtcNow;

    protected override IEnumerable<KeyValuePair<string, string>> WorkerSettings() =>
        [new("Hlc__MaxOffset", "7.00:00:00")];

    /// <summary>
    /// The host's liveness checks (functionTimeout, the worker probe's 60 s) run on its clock too: a test moving durable
    /// time ahead would time out invocations in flight and kill a healthy worker, so they are out of its way here.
    /// </summary>
    protected override IEnumerable<string> HostArguments() =>
    [
        "--AzureFunctionsJobHost:functionTimeout", "-1",
        "--LocalRuntime:Host:WorkerProbeTimeout", "7.00:00:00",
    ];

    protected override void Configure(LocalFunctionsHostBuilder builder) =>
        builder.Services.AddSingleton<TimeProvider>(Clock);

    /// <summary>
    /// Stops the host while durable time keeps moving: the host's own drain and grace periods run on its clock, and a
    /// stop waiting for in-flight work would otherwise wait for a fake clock nobody advances.
    /// </summary>
    protected override async Task StopHostAsync(LocalFunctionsHost host)
    {
        var stop = host.DisposeAsync().AsTask();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (await Task.WhenAny(stop, Task.Delay(100)) != stop)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The host did not stop within 3 minutes.{Describe()}");
            }

            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        await stop;
    }
}
