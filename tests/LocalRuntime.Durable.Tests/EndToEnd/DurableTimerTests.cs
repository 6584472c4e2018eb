using System.Globalization;
using System.Text.Json;

namespace LocalRuntime.Durable.Tests.EndToEnd;

/// <summary>The host's clock is durable time: orchestration timestamps and timers follow it, the worker's own clock does not matter.</summary>
public sealed class DurableTimerTests(FakeClockSqliteAppFixture app) : IClassFixture<FakeClockSqliteAppFixture>
{
    [Fact]
    public async Task Timer_OneHour_FiresWhenTheHostClockIsAdvancedAndNotBefore()
    {
        var clock = app.Clock!;
        var startedAt = clock.GetUtcNow();
        var started = await app.StartAsync("Timer", 3600);
        var id = started.GetProperty("id").GetString()!;

        // Running on the timer: the history holds a TimerCreated event firing an hour after the fake start.
        var fireAt = await WaitForTimerAsync(id);
        Assert.Equal(startedAt.AddHours(1).UtcDateTime, fireAt, TimeSpan.FromSeconds(1));
        Assert.Equal("Running", (await app.GetAsync(id))!.Value.GetProperty("runtimeStatus").GetString());

        clock.Advance(TimeSpan.FromMinutes(59));
        await Task.Yield();
        Assert.Equal("Running", (await app.GetAsync(id))!.Value.GetProperty("runtimeStatus").GetString());

        clock.Advance(TimeSpan.FromMinutes(1));
        var done = await app.WaitForCompletionAsync(id);
        Assert.Equal("Completed", done.GetProperty("runtimeStatus").GetString());
        var times = JsonSerializer.Deserialize<string[]>(done.GetProperty("output").GetString()!)!;
        var before = DateTime.Parse(times[0], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        var after = DateTime.Parse(times[1], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        Assert.Equal(startedAt.UtcDateTime, before, TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromHours(1), after - before);
    }

    private async Task<DateTime> WaitForTimerAsync(string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var response = await app.Http.GetAsync($"/runtime/webhooks/durabletask/instances/{id}?showHistory=true");
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            if (body.TryGetProperty("historyEvents", out var history))
            {
                foreach (var e in history.EnumerateArray())
                {
                    if (e.GetProperty("EventType").GetString() == "TimerCreated")
                    {
                        return e.GetProperty("FireAt").GetDateTime().ToUniversalTime();
                    }
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"No timer was created: {body}{Environment.NewLine}{app.Logs.Tail(40)}");
            await Task.Delay(20);
        }
    }
}
