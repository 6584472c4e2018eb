using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace ServerlessTasks.Dashboard.Tests;

/// <summary>A fact that runs only with <c>ST_ACCEPTANCE=1</c> (it seeds 10,000 workflows: minutes here).</summary>
public sealed class AcceptanceFactAttribute : FactAttribute
{
    public AcceptanceFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("ST_ACCEPTANCE") != "1")
        {
            Skip = "An acceptance run (minutes): set ST_ACCEPTANCE=1 to run it.";
        }
    }
}

/// <summary>
/// The dashboard with 10,000 real workflows in the store (submitted through the API): the paged list's API time and the
/// browser's list load, first page and deep pages, beside the same reads before seeding. Figures go to the output and to
/// <c>TestResults/dashboard/scale.txt</c>, with the 1-minute load average and the CPU seconds of host and worker.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class ScaleTests(DashboardFixture app, ITestOutputHelper output)
{
    private const int Workflows = 10_000;

    [AcceptanceFact]
    public async Task WorkflowList_TenThousandWorkflows_PagedInTheStoreAndResponsive()
    {
        var lines = new List<string>();
        void Report(string line)
        {
            var text = $"{DateTime.UtcNow:HH:mm:ss} load {LoadAverage()} | {line}";
            output.WriteLine(text);
            lines.Add(text);
        }

        Report($"before seeding: API first page {await ApiPageMsAsync("dashboard/data/workflows?page_size=50"):0.0} ms (median of 5)");
        var cpu = CpuSeconds();
        var clock = Stopwatch.StartNew();
        var next = -1;
        async Task SubmitLoop()
        {
            for (var i = Interlocked.Increment(ref next); i < Workflows; i = Interlocked.Increment(ref next))
            {
                var id = string.Create(CultureInfo.InvariantCulture, $"scale-{i:D5}");
                await app.SubmitAsync($$"""{"workflow_id": "{{id}}", "tasks": [{"task_id": "a", "task_type": "echo", "payload": {{i}}}]}""");
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(SubmitLoop)));
        var submitted = clock.Elapsed;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(30);
        while (true)
        {
            var counts = (await app.GetJsonAsync("/api/dashboard/data/summary")).GetProperty("counts");
            if (counts.GetProperty("pending").GetInt32() == 0 && counts.GetProperty("running").GetInt32() == 0)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the 10,000 workflows did not finish: {counts}");
            await Task.Delay(1000);
        }

        var used = CpuSeconds() - cpu;
        Report($"seeded {Workflows:N0} workflows through POST /api/workflows (8 concurrent): submitted in {submitted.TotalSeconds:0.0} s, all completed in {clock.Elapsed.TotalSeconds:0.0} s; CPU host+worker {used:0.0} s");

        // The API: the first page, a page 100 pages deep (its continuation read by walking), a status filter, a prefix.
        Report($"API first page (50) {await ApiPageMsAsync("dashboard/data/workflows?page_size=50"):0.0} ms (median of 5)");
        var token = (string?)null;
        var seen = 0;
        for (var page = 0; page < 100; page++)
        {
            var body = await app.GetJsonAsync("/api/dashboard/data/workflows?page_size=50" + (token is null ? string.Empty : "&continuation=" + Uri.EscapeDataString(token)));
            seen += body.GetProperty("items").GetArrayLength();
            token = body.GetProperty("continuation").GetString();
            Assert.NotNull(token);
        }

        Assert.True(seen >= 4_900, $"100 pages held {seen} workflows");
        Report($"API page 101 (after 100 pages walked) {await ApiPageMsAsync("dashboard/data/workflows?page_size=50&continuation=" + Uri.EscapeDataString(token!)):0.0} ms (median of 5)");
        Report($"API status=completed page {await ApiPageMsAsync("dashboard/data/workflows?page_size=50&status=completed"):0.0} ms; prefix=scale-0999 page {await ApiPageMsAsync("dashboard/data/workflows?page_size=50&prefix=scale-0999"):0.0} ms");
        Report($"API tasks page (index, 50 of {Workflows:N0}+) {await ApiPageMsAsync("dashboard/data/tasks?limit=50"):0.0} ms; tasks prefix filter (scan) {await ApiPageMsAsync("dashboard/data/tasks?limit=50&prefix=scale-0999"):0.0} ms; summary {await ApiPageMsAsync("dashboard/data/summary"):0.0} ms");
        var prefixed = await app.GetJsonAsync("/api/dashboard/data/workflows?page_size=50&prefix=scale-0999");
        Assert.Equal(10, prefixed.GetProperty("items").GetArrayLength()); // scale-09990 .. scale-09999

        // The browser: the list view from navigation to rows shown, then Next, then the overview.
        await using var dashboard = await app.OpenAsync();
        await dashboard.ReadyAsync("/");
        var list = Stopwatch.StartNew();
        await dashboard.Page.EvaluateAsync("() => { location.hash = '#/workflows'; }");
        await dashboard.ReadyAsync("/workflows");
        var listMs = list.Elapsed.TotalMilliseconds;
        await Microsoft.Playwright.Assertions.Expect(dashboard.Page.Locator("main tbody tr")).ToHaveCountAsync(50);
        var nextClock = Stopwatch.StartNew();
        await dashboard.Page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "Next →" }).ClickAsync();
        await dashboard.Page.Locator("main[data-ready=\"/workflows\"] a", new() { HasText = "← Previous" }).WaitForAsync();
        var nextMs = nextClock.Elapsed.TotalMilliseconds;
        var overview = Stopwatch.StartNew();
        await dashboard.Page.EvaluateAsync("() => { location.hash = '#/'; }");
        await dashboard.ReadyAsync("/");
        var overviewMs = overview.Elapsed.TotalMilliseconds;
        Report($"browser: workflow list shown {listMs:0} ms after navigation, Next page {nextMs:0} ms, overview {overviewMs:0} ms");
        await dashboard.ScreenshotAsync("workflows-10000");
        await File.AppendAllLinesAsync(Path.Combine(DashboardFixture.ScreenshotFolder, "scale.txt"), lines);
        Assert.True(dashboard.Errors.Count == 0, string.Join(Environment.NewLine, dashboard.Errors));
    }

    private async Task<double> ApiPageMsAsync(string path)
    {
        var times = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await app.Http.GetAsync("/api/" + path);
            _ = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode}");
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return times[times.Count / 2];
    }

    private double CpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        using var worker = Process.GetProcessById(app.Host.Worker.ProcessId);
        return self.TotalProcessorTime.TotalSeconds + worker.TotalProcessorTime.TotalSeconds;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
}
