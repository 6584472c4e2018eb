using System.Globalization;
using System.Net;
using ServerlessTasks.Functions.Schedules;
using ServerlessTasks.Tests.Callbacks;
using ServerlessTasks.Tests.Production;

namespace ServerlessTasks.Tests.Schedules;

/// <summary>Schedules under tenant keys, through the real worker: a tenant's own schedules, and firings owned by it.</summary>
public sealed class TenantScheduleTests(TenantAppHost host) : IClassFixture<TenantAppHost>
{
    [Fact]
    public async Task TenantSchedule_OwnedByItsTenant_FiringSubmitsAsTheTenantAndOthersGet404()
    {
        // Whole seconds (the submission id names the second); far enough ahead that a slow machine's create and the
        // checks below land before it (the firing is awaited with a deadline past it).
        var runAt = DateTimeOffset.UtcNow.AddSeconds(15);
        runAt = new DateTimeOffset(runAt.Year, runAt.Month, runAt.Day, runAt.Hour, runAt.Minute, runAt.Second, TimeSpan.Zero);
        var body = $$"""{"schedule_id":"acme-once","run_at":"{{runAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}","task":{"task_type":"echo","payload":{"who":"acme"}""" + "}}";
        var (created, schedule) = await host.SendAsync(HttpMethod.Post, "/api/schedules", TenantAppHost.AcmeKey, body);
        Assert.True(created == HttpStatusCode.Created, $"{(int)created} {schedule}");

        // Another tenant: the same 404 as an unknown schedule for every read and control, and a 409 that shows nothing.
        (HttpMethod Method, string Path)[] probes =
        [
            (HttpMethod.Get, "/api/schedules/{0}"),
            (HttpMethod.Post, "/api/schedules/{0}/pause"),
            (HttpMethod.Post, "/api/schedules/{0}/resume"),
            (HttpMethod.Delete, "/api/schedules/{0}"),
        ];
        foreach (var (method, path) in probes)
        {
            var (status, problem) = await host.SendAsync(method, string.Format(CultureInfo.InvariantCulture, path, "acme-once"), TenantAppHost.GlobexKey);
            var (_, unknown) = await host.SendAsync(method, string.Format(CultureInfo.InvariantCulture, path, "never-created"), TenantAppHost.GlobexKey);
            Assert.True(status == HttpStatusCode.NotFound, $"{method} {path}: {(int)status}");
            Assert.Equal("Schedule 'acme-once' does not exist.", problem.GetProperty("detail").GetString());
            Assert.Equal("Schedule 'never-created' does not exist.", unknown.GetProperty("detail").GetString());
        }

        // (A cron body: a run_at one is checked for being in the future first, and this one may have passed on a slow machine.)
        var (conflict, taken) = await host.SendAsync(HttpMethod.Post, "/api/schedules", TenantAppHost.GlobexKey,
            """{"schedule_id":"acme-once","cron":"0 0 0 1 1 *","task":{"task_type":"echo","payload":{"who":"globex"}}}""");
        Assert.Equal(HttpStatusCode.Conflict, conflict);
        Assert.Equal("Schedule 'acme-once' already exists.", taken.GetProperty("detail").GetString());
        Assert.DoesNotContain("acme-once", await ListAsync(TenantAppHost.GlobexKey));
        Assert.Contains("acme-once", await ListAsync(TenantAppHost.AcmeKey));
        Assert.Contains("acme-once", await ListAsync(TenantAppHost.OperatorKey));

        // The firing's task is acme's: acme reads it completed, globex gets the unknown id's 404, the operator sees it.
        var fired = await WaitFiredOnceAsync("acme-once");
        Assert.Equal("completed", fired.GetProperty("status").GetString());
        var taskPath = "/api/tasks/" + Uri.EscapeDataString(ScheduleActivities.SubmissionId("acme-once", runAt));
        var task = await WaitCompletedAsync(taskPath, TenantAppHost.AcmeKey);
        Assert.Equal("acme", task.GetProperty("result").GetProperty("who").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await host.SendAsync(HttpMethod.Get, taskPath, TenantAppHost.GlobexKey)).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, taskPath, TenantAppHost.OperatorKey)).Status);
    }

    [Fact]
    public async Task TenantSchedule_PauseResumeDelete_ByItsTenant()
    {
        var body = """{"schedule_id":"acme-yearly","cron":"0 0 0 1 1 *","task":{"task_type":"echo","payload":1}}""";
        Assert.Equal(HttpStatusCode.Created, (await host.SendAsync(HttpMethod.Post, "/api/schedules", TenantAppHost.AcmeKey, body)).Status);

        Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Post, "/api/schedules/acme-yearly/pause", TenantAppHost.AcmeKey, "{}")).Status);
        await Eventually.ReturnsAsync(
            async () => await host.SendAsync(HttpMethod.Get, "/api/schedules/acme-yearly", TenantAppHost.AcmeKey),
            r => r.Status == HttpStatusCode.OK && r.Body.GetProperty("status").GetString() == "paused",
            AppHost.DefaultWait,
            describe: host.Describe);
        Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Post, "/api/schedules/acme-yearly/resume", TenantAppHost.AcmeKey, "{}")).Status);
        await Eventually.ReturnsAsync(
            async () => await host.SendAsync(HttpMethod.Get, "/api/schedules/acme-yearly", TenantAppHost.AcmeKey),
            r => r.Status == HttpStatusCode.OK && r.Body.GetProperty("status").GetString() == "active",
            AppHost.DefaultWait,
            describe: host.Describe);

        Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Delete, "/api/schedules/acme-yearly", TenantAppHost.AcmeKey)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await host.SendAsync(HttpMethod.Get, "/api/schedules/acme-yearly", TenantAppHost.AcmeKey)).Status);
        Assert.DoesNotContain("acme-yearly", await ListAsync(TenantAppHost.AcmeKey));
    }

    [Fact]
    public async Task TenantSchedule_FiringIdTakenByAKeyWithoutTenant_NotSubmittedAndNotOwnedByTheTenant()
    {
        var runAt = DateTimeOffset.UtcNow.AddSeconds(15);
        runAt = new DateTimeOffset(runAt.Year, runAt.Month, runAt.Day, runAt.Hour, runAt.Minute, runAt.Second, TimeSpan.Zero);
        var taken = ScheduleActivities.SubmissionId("acme-late", runAt);
        var taskPath = "/api/tasks/" + Uri.EscapeDataString(taken);

        // The operator (no tenant) already used the id the firing will derive.
        Assert.Equal(HttpStatusCode.Accepted, (await host.SendAsync(HttpMethod.Post, "/api/tasks", TenantAppHost.OperatorKey,
            $$"""{"task_id":"{{taken}}","task_type":"echo","payload":{"who":"operator"}""" + "}")).Status);
        var body = $$"""{"schedule_id":"acme-late","run_at":"{{runAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}","task":{"task_type":"echo","payload":{"who":"acme"}""" + "}}";
        var (created, schedule) = await host.SendAsync(HttpMethod.Post, "/api/schedules", TenantAppHost.AcmeKey, body);
        Assert.True(created == HttpStatusCode.Created, $"{(int)created} {schedule}");

        await WaitFiredOnceAsync("acme-late");

        // The firing submitted nothing; the task stays the operator's, and acme gets the unknown id's 404.
        var task = await WaitCompletedAsync(taskPath, TenantAppHost.OperatorKey);
        Assert.Equal("operator", task.GetProperty("result").GetProperty("who").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await host.SendAsync(HttpMethod.Get, taskPath, TenantAppHost.AcmeKey)).Status);
    }

    // A run_at schedule a few seconds ahead: its one firing, awaited past its time (acme's key reads it).
    private async Task<System.Text.Json.JsonElement> WaitFiredOnceAsync(string scheduleId) =>
        (await Eventually.ReturnsAsync(
            async () => await host.SendAsync(HttpMethod.Get, "/api/schedules/" + scheduleId, TenantAppHost.AcmeKey),
            r => r.Status == HttpStatusCode.OK && r.Body.GetProperty("fired").GetInt32() == 1,
            AppHost.DefaultWait + TimeSpan.FromSeconds(15),
            describe: host.Describe)).Body;

    private async Task<System.Text.Json.JsonElement> WaitCompletedAsync(string taskPath, string key) =>
        (await Eventually.ReturnsAsync(
            async () => await host.SendAsync(HttpMethod.Get, taskPath, key),
            r => r.Status == HttpStatusCode.OK && r.Body.GetProperty("status").GetString() == "completed",
            AppHost.DefaultWait,
            describe: host.Describe)).Body;

    private async Task<List<string?>> ListAsync(string key)
    {
        var (status, body) = await host.SendAsync(HttpMethod.Get, "/api/schedules", key);
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. body.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("schedule_id").GetString())];
    }
}
