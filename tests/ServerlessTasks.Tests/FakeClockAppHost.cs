using LocalRuntime.Functions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ServerlessTasks.Tests;

/// <summary>The app on a fake clock: durable timers, retry back-off and timeouts fire when a test advances it.</summary>
public sealed class FakeClockAppHost : AppHost
{
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    protected override void Configure(LocalFunctionsApplicationBuilder builder) =>
        builder.Services.AddSingleton<TimeProvider>(Clock);
}
