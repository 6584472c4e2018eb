using System.Reflection;
using LocalRuntime.Functions.Hosting;
using LocalRuntime.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace LocalRuntime.Timers.Tests;

/// <summary>
/// HostTestApp's yearly timer through the real host and worker on a fake clock: the worker binds the TimerInfo the
/// host sends and reports it on a queue; a restart after a missed occurrence runs it as past due.
/// </summary>
public sealed class TimerEndToEndTests
{
    private static readonly DateTimeOffset NewYearsEve = new(2030, 12, 31, 23, 59, 50, TimeSpan.Zero);
    private static readonly DateTimeOffset NewYear = new(2031, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static string AppDirectory =>
        typeof(TimerEndToEndTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "HostTestAppDirectory").Value!;

    [Fact]
    public async Task YearlyTimer_FakeClockPassesMidnight_WorkerGetsTimerInfo_RestartAfterMissedYearRunsPastDue()
    {
        using var data = new TestFolder();
        var clock = new FakeTimeProvider(NewYearsEve);
        await using (var host = await StartAsync(data, clock))
        {
            var timers = host.Services.GetRequiredService<TimersExtension>();
            await Eventually.TrueAsync(() => timers.GetState("YearlyTick")?.ArmedFor == NewYear, "the yearly timer was not armed for 2031-01-01", TimeSpan.FromSeconds(60));
            clock.Advance(TimeSpan.FromSeconds(10));

            var tick = await NextTickAsync(host);
            Assert.Equal("pastDue=False;last=0001-01-01T00:00:00.0000000Z;next=2031-01-01T00:00:00.0000000Z;updated=0001-01-01T00:00:00.0000000Z", tick);
            await Eventually.TrueAsync(() => timers.GetState("YearlyTick")?.ArmedFor == NewYear.AddYears(1), "not re-armed for 2032");
        }

        // Down over the next New Year: the restarted host runs it at once, past due.
        clock.Advance(TimeSpan.FromDays(400));
        await using var restarted = await StartAsync(data, clock);
        var late = await NextTickAsync(restarted);

        Assert.Equal("pastDue=True;last=2031-01-01T00:00:00.0000000Z;next=2032-01-01T00:00:00.0000000Z;updated=2031-01-01T00:00:00.0000000Z", late);
    }

    private static async Task<LocalFunctionsHost> StartAsync(TestFolder data, FakeTimeProvider clock)
    {
        var builder = LocalFunctionsHost.CreateBuilder(AppDirectory, ["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        builder.Configuration["LocalRuntime:DataPath"] = data.Path;
        builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock));
        builder.Services.AddQueueTriggers(builder.Configuration);
        builder.Services.AddTimerTriggers(builder.Configuration);
        var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await host.StartAsync(timeout.Token);
        return host;
    }

    /// <summary>Receives the next report the timer function wrote to its output queue (and deletes it).</summary>
    private static async Task<string> NextTickAsync(LocalFunctionsHost host)
    {
        var store = host.Services.GetRequiredService<IQueueStore>();
        IReadOnlyList<QueueMessage> received = [];
        await Eventually.TrueAsync(async () => (received = await store.ReceiveAsync("e2e-timer-ticks", 1, TimeSpan.FromMinutes(1))).Count == 1, "the timer function reported nothing", TimeSpan.FromSeconds(60));
        await store.DeleteAsync(received[0]);
        return received[0].Text;
    }
}
