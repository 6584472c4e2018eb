using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessTasks.Functions.Schedules;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Tests.Production;

/// <summary>Schedules on a fake host clock (durable time drives their timers), through the real worker.</summary>
public sealed class ScheduleTests(FakeClockAppHost host) : IClassFixture<FakeClockAppHost>
{
    private async Task<JsonElement> ScheduleAsync(string id) => await host.Http.GetFromJsonAsync<JsonElement>($"/api/schedules/{id}");

    /// <summary>Polls the schedule until <paramref name="condition"/> holds.</summary>
    private async Task<JsonElement> WaitScheduleAsync(string id, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + AppHost.DefaultWait;
        while (true)
        {
            var schedule = await ScheduleAsync(id);
            if (condition(schedule))
            {
                return schedule;
            }

            Assert.True(DateTime.UtcNow < deadline, $"schedule {id} never got there: {schedule}{host.Describe()}");
            await Task.Delay(20);
        }
    }

    // Null fields are left out of API bodies.
    private static DateTimeOffset? Next(JsonElement schedule) =>
        schedule.TryGetProperty("next_fire_at", out var next) && next.ValueKind == JsonValueKind.String ? next.GetDateTimeOffset() : null;

    private async Task<bool> SubmittedAsync(string scheduleId, DateTimeOffset fireAt) =>
        await host.CreateDurableClient().GetInstanceAsync(TaskIndexEntry.SingleTaskWorkflowId(ScheduleActivities.SubmissionId(scheduleId, fireAt))) is not null;

    [Fact]
    public async Task Cron_FiresEachOccurrence_PausedMissesCoalesce_DeleteStopsIt()
    {
        var body = """{"schedule_id":"hourly","cron":"0 0 * * * *","task":{"task_type":"echo","payload":{"n":1}}}""";
        using (var created = await host.PostAsync("/api/schedules", body))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using (var again = await host.PostAsync("/api/schedules", body))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode); // idempotent by schedule_id
        }

        using (var other = await host.PostAsync("/api/schedules", body.Replace("\"n\":1", "\"n\":2", StringComparison.Ordinal)))
        {
            Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        }

        // Three firings, one per hour of durable time, each submitting its own task once.
        var fired = new List<DateTimeOffset>();
        for (var k = 1; k <= 3; k++)
        {
            var due = Next(await WaitScheduleAsync("hourly", s => Next(s) is not null && s.GetProperty("fired").GetInt32() == k - 1))!.Value;
            Assert.Equal(0, due.Minute);
            Assert.Equal(0, due.Second);
            host.Clock.SetUtcNow(due);
            await WaitScheduleAsync("hourly", s => s.GetProperty("fired").GetInt32() == k);
            fired.Add(due);
        }

        foreach (var at in fired)
        {
            Assert.True(await SubmittedAsync("hourly", at), $"no submission for {at:O}");
        }

        // Paused over three occurrences: nothing fires; on resume the one that was due fires once and the rest are skipped.
        using (var pause = await host.Http.PostAsync("/api/schedules/hourly/pause", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, pause.StatusCode);
        }

        var pausedNext = Next(await WaitScheduleAsync("hourly", s => s.GetProperty("status").GetString() == "paused"))!.Value;
        host.Clock.SetUtcNow(pausedNext.AddHours(2).AddMinutes(30));
        Assert.False(await SubmittedAsync("hourly", pausedNext));
        using (var resume = await host.Http.PostAsync("/api/schedules/hourly/resume", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        }

        var resumed = await WaitScheduleAsync("hourly", s => s.GetProperty("fired").GetInt32() == 4 && Next(s) > host.Clock.GetUtcNow());
        Assert.True(await SubmittedAsync("hourly", pausedNext));
        Assert.False(await SubmittedAsync("hourly", pausedNext.AddHours(1)));
        Assert.False(await SubmittedAsync("hourly", pausedNext.AddHours(2)));
        Assert.Equal(pausedNext.AddHours(3), Next(resumed));

        using (var deleted = await host.Http.DeleteAsync("/api/schedules/hourly"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var gone = await host.Http.GetAsync("/api/schedules/hourly");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        var list = await host.Http.GetFromJsonAsync<JsonElement>("/api/schedules");
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), s => s.GetProperty("schedule_id").GetString() == "hourly");
    }

    [Fact]
    public async Task Cron_HostRestartedBetweenFirings_NothingFiresTwiceAndTheNextOccurrenceFiresOnce()
    {
        using (var created = await host.PostAsync("/api/schedules", """{"schedule_id":"restarted","cron":"0 30 * * * *","task":{"task_type":"echo","payload":"r"}}"""))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var first = Next(await WaitScheduleAsync("restarted", s => Next(s) is not null))!.Value;
        host.Clock.SetUtcNow(first);
        var before = await WaitScheduleAsync("restarted", s => s.GetProperty("fired").GetInt32() == 1 && Next(s) > first);
        var second = Next(before)!.Value;

        await host.RestartAsync();

        // The restarted host replays the schedule's orchestration: it still waits for the same next occurrence.
        Assert.Equal(second, Next(await WaitScheduleAsync("restarted", s => Next(s) is not null)));
        host.Clock.SetUtcNow(second);
        var after = await WaitScheduleAsync("restarted", s => Next(s) > second);
        Assert.Equal(2, after.GetProperty("fired").GetInt32());
        Assert.Equal(second.AddHours(1), Next(after));
        Assert.True(await SubmittedAsync("restarted", first), $"no submission for {first:O}");
        Assert.True(await SubmittedAsync("restarted", second), $"no submission for {second:O}");
        using var deleted = await host.Http.DeleteAsync("/api/schedules/restarted");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Fact]
    public async Task Delete_RightAfterCreateOrWhilePaused_204ThenReadsAre404()
    {
        foreach (var (id, pause) in new[] { ("gone-running", false), ("gone-paused", true) })
        {
            using (var created = await host.PostAsync("/api/schedules", $$$"""{"schedule_id":"{{{id}}}","cron":"0 0 12 * * *","task":{"task_type":"echo"}}"""))
            {
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            }

            if (pause)
            {
                using var paused = await host.Http.PostAsync($"/api/schedules/{id}/pause", null);
                Assert.Equal(HttpStatusCode.Accepted, paused.StatusCode);
                await WaitScheduleAsync(id, s => s.GetProperty("status").GetString() == "paused");
            }

            using (var deleted = await host.Http.DeleteAsync($"/api/schedules/{id}"))
            {
                Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            }

            // No window in which the deleted schedule still reads as there.
            using var read = await host.Http.GetAsync($"/api/schedules/{id}");
            Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
            using var again = await host.Http.DeleteAsync($"/api/schedules/{id}");
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }
    }

    [Fact]
    public async Task RunAt_FiresOnce_ThenCompletes()
    {
        var at = host.LaterOfBothClocks.AddMinutes(10);
        var runAt = new DateTimeOffset(at.Year, at.Month, at.Day, at.Hour, at.Minute, at.Second, TimeSpan.Zero);
        using (var created = await host.PostAsync("/api/schedules", $$$"""{"schedule_id":"once","run_at":"{{{runAt:O}}}","task":{"task_type":"echo","payload":1}}"""))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        await WaitScheduleAsync("once", s => Next(s) == runAt);
        host.Clock.SetUtcNow(runAt.AddSeconds(1));
        var done = await WaitScheduleAsync("once", s => s.GetProperty("status").GetString() == "completed");
        Assert.Equal(1, done.GetProperty("fired").GetInt32());
        Assert.True(await SubmittedAsync("once", runAt));
        using var pause = await host.Http.PostAsync("/api/schedules/once/pause", null);
        Assert.Equal(HttpStatusCode.Conflict, pause.StatusCode);
    }

    [Theory]
    [InlineData("""{"schedule_id":"bad1","cron":"* * *","task":{"task_type":"echo"}}""", "cron")]
    [InlineData("""{"schedule_id":"bad2","cron":"0 0 * * * *"}""", "task")]
    [InlineData("""{"schedule_id":"bad3","cron":"0 0 * * * *","run_at":"2040-01-01T00:00:00Z","task":{"task_type":"echo"}}""", "run_at")]
    [InlineData("""{"schedule_id":"bad4","cron":"0 0 * * * *","time_zone":"Mars/Olympus","task":{"task_type":"echo"}}""", "time_zone")]
    [InlineData("""{"schedule_id":"bad5","cron":"0 0 * * * *","task":{"task_type":"teleport"}}""", "teleport")]
    [InlineData("""{"schedule_id":"b@d","cron":"0 0 * * * *","task":{"task_type":"echo"}}""", "schedule_id")]
    public async Task Create_BadInput_422NamingTheField_NothingCreated(string body, string named)
    {
        using var response = await host.PostAsync("/api/schedules", body);

        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(named, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("schedule_id").GetString()!;
        Assert.Null(await host.CreateDurableClient().GetInstanceAsync(ScheduleOrchestrator.InstanceId(id)));
    }
}
