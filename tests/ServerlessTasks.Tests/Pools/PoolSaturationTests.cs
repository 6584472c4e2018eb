using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace ServerlessTasks.Tests.Pools;

/// <summary>A fact that runs only with <c>ST_ACCEPTANCE=1</c> (it takes minutes here): the measured acceptance runs.</summary>
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

/// <summary>The app with one pool of capacity 5 over delay tasks, default policy (aging 20 grants / 10 s per level).</summary>
public sealed class SaturationAppHost : AppHost
{
    protected override IEnumerable<KeyValuePair<string, string>> WorkerSettings() =>
    [
        new("Pools__gw__Capacity", "5"),
        new("Pools__gw__TaskTypes", "delay"),
    ];
}

/// <summary>
/// Issue 10's saturation acceptance through the real app: 200 regular and 20 VIP workflows at once on a pool of 5, each
/// task a 1 s delay, so the pool's queue (44 s of work) and not the durable plumbing decides the waits. Wait = the
/// task's started event - its dispatched event (both durable time).
/// </summary>
public class PoolSaturationTests(SaturationAppHost host, ITestOutputHelper output) : IClassFixture<SaturationAppHost>
{
    [AcceptanceFact]
    [Trait("Category", "Acceptance")]
    public async Task Saturation_200RegularAnd20VipWorkflows_VipP95AtMostHalfOfRegularAndAgingBoundHeld()
    {
        var workflows = Enumerable.Range(0, 220).Select(i => (Id: $"sat-{i}", Vip: i % 11 == 0)).ToList();
        using var gate = new SemaphoreSlim(16);
        await Task.WhenAll(workflows.Select(async w =>
        {
            await gate.WaitAsync();
            try
            {
                var priority = w.Vip ? 10 : 5;
                await host.SubmitAsync($$"""{"workflow_id":"{{w.Id}}","tasks":[{"task_id":"call","task_type":"delay","payload":{"seconds":1},"priority":{{priority}}}]}""");
            }
            finally
            {
                gate.Release();
            }
        }));

        var waits = new List<(bool Vip, DateTimeOffset Asked, DateTimeOffset Granted)>();
        foreach (var (id, vip) in workflows)
        {
            var done = await host.WaitForWorkflowAsync(id, within: TimeSpan.FromMinutes(10));
            Assert.True(done.GetProperty("status").GetString() == "completed", $"{id}: {done}{host.Describe(80)}");
            var events = await host.Http.GetFromJsonAsync<JsonElement>($"/api/workflows/{id}/events");
            DateTimeOffset At(string kind) => events.GetProperty("events").EnumerateArray()
                .First(e => e.GetProperty("kind").GetString() == kind).GetProperty("at").GetDateTimeOffset();
            waits.Add((vip, At("dispatched"), At("started")));
        }

        static double P95(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted[(int)Math.Ceiling(0.95 * sorted.Length) - 1];
        }

        var regular = waits.Where(w => !w.Vip).Select(w => (w.Granted - w.Asked).TotalSeconds).ToList();
        var vipWaits = waits.Where(w => w.Vip).Select(w => (w.Granted - w.Asked).TotalSeconds).ToList();
        var passedOver = waits.Where(w => !w.Vip).Max(r => waits.Count(o => o.Asked > r.Asked && o.Granted < r.Granted));
        output.WriteLine($"regular p50 {regular.Order().ElementAt(regular.Count / 2):0.00} s p95 {P95(regular):0.00} s max {regular.Max():0.00} s; " +
            $"VIP p50 {vipWaits.Order().ElementAt(vipWaits.Count / 2):0.00} s p95 {P95(vipWaits):0.00} s max {vipWaits.Max():0.00} s; " +
            $"ratio {P95(vipWaits) / P95(regular):0.00}; most later arrivals granted before a regular task {passedOver} (bound 100)");
        using var pools = await host.Http.GetAsync("/api/pools");
        Assert.Equal(HttpStatusCode.OK, pools.StatusCode);
        output.WriteLine(await pools.Content.ReadAsStringAsync());

        Assert.True(P95(vipWaits) <= 0.5 * P95(regular), $"VIP p95 {P95(vipWaits):0.00} s vs regular p95 {P95(regular):0.00} s");
        Assert.True(passedOver <= 100, $"a regular task was passed over by {passedOver} later arrivals");
    }
}
