using System.Net;
using Microsoft.Playwright;

namespace ServerlessTasks.Dashboard.Tests;

/// <summary>The dashboard's app with API keys configured (two clients), as in production; its own HTTP client sends alice's key.</summary>
public sealed class SecuredDashboardFixture : DashboardFixture
{
    public const string AliceKey = "dash-alice-5Tq8wZ2nL7xV4kR9";
    public const string BobKey = "dash-bob-8Jd3mP6sY1cF0hG2";
    public const string TenantKey = "dash-carol-2Wn7bQ4xK9vR3tL6";

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() =>
    [
        new("Auth__ApiKeys__alice__Key", AliceKey),
        new("Auth__ApiKeys__bob__Key", BobKey),
        new("Auth__ApiKeys__carol__Key", TenantKey),
        new("Auth__ApiKeys__carol__Tenant", "t2"),
    ];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Http.DefaultRequestHeaders.Add("x-api-key", AliceKey);
    }
}

/// <summary>
/// The dashboard behind the API's keys: the page asks for the key, refuses a wrong one, keeps the right one for the tab
/// (sessionStorage), and sends it in the <c>x-api-key</c> header on every read, action and on the event stream, never in
/// a URL.
/// </summary>
public sealed class SecuredDashboardTests(SecuredDashboardFixture app) : IClassFixture<SecuredDashboardFixture>
{
    [Fact]
    public async Task SignIn_ApiKeysConfigured_AsksOnceAndSendsTheKeyInHeadersOnly()
    {
        // The API itself refuses a request without a key.
        using (var anonymous = new HttpClient { BaseAddress = app.BaseAddress })
        using (var refused = await anonymous.GetAsync("/api/dashboard/data/summary"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        await using var dashboard = await app.OpenAsync();
        await dashboard.ReadyAsync("/sign-in");
        Assert.Equal("signed out", await dashboard.Page.Locator("#live").TextContentAsync());
        await dashboard.ScreenshotAsync("sign-in");

        // A wrong key is refused on the page (no request was refused: the session check answers 200 either way).
        var input = dashboard.Page.GetByLabel("API key");
        await input.FillAsync("dash-wrong-0000000000000000");
        await dashboard.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(dashboard.Page.Locator("#sign-in-error")).ToHaveTextAsync("That key was refused.");
        Assert.Equal(0, await dashboard.Page.EvaluateAsync<int>("() => sessionStorage.length"));

        // A tenant's key is valid but not for this operator view (the API answers it 403 here): the page says so.
        await input.FillAsync(SecuredDashboardFixture.TenantKey);
        await dashboard.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(dashboard.Page.Locator("#sign-in-error")).ToHaveTextAsync("That key is for tenant t2; the dashboard needs an operator key (one without a tenant).");
        Assert.Equal(0, await dashboard.Page.EvaluateAsync<int>("() => sessionStorage.length"));

        // The right key, submitted with Enter: the overview loads and the stream goes live.
        await input.FillAsync(SecuredDashboardFixture.AliceKey);
        await input.PressAsync("Enter");
        await dashboard.ReadyAsync("/");
        await Assertions.Expect(dashboard.Page.Locator("#client")).ToHaveTextAsync("Signed in as alice");
        await dashboard.Page.Locator("#live.on").WaitForAsync();

        // Events come over the stream with the key (only the stream fills the recent events).
        await app.SubmitAsync("""{"workflow_id": "secured-1", "tasks": [{"task_id": "a", "task_type": "echo", "payload": 1}]}""");
        await app.WaitForWorkflowAsync("secured-1");
        await Assertions.Expect(dashboard.Page.Locator("#recent-events a", new() { HasText = "secured-1" }).First).ToBeVisibleAsync(new() { Timeout = 60_000 });

        // A view of one workflow: its reads carry the key too.
        await dashboard.Page.EvaluateAsync("() => { location.hash = '#/workflow/secured-1'; }");
        await dashboard.ReadyAsync("/workflow/secured-1");
        await Assertions.Expect(dashboard.Page.Locator("#workflow-status")).ToHaveAttributeAsync("data-status", "completed");
        await Assertions.Expect(dashboard.Page.Locator("#graph g.node[data-task-id=a]")).ToHaveAttributeAsync("data-status", "completed");

        // Kept for the tab: a reload goes straight to the view.
        await dashboard.Page.ReloadAsync();
        await dashboard.ReadyAsync("/workflow/secured-1");
        await Assertions.Expect(dashboard.Page.Locator("#client")).ToHaveTextAsync("Signed in as alice");
        await dashboard.Page.Locator("#live.on").WaitForAsync();
        await dashboard.ScreenshotAsync("signed-in");

        // Every request for data carried the key in its header, the stream's too; no URL holds it.
        var data = dashboard.Requests.Where(r => r.Url.Contains("/api/", StringComparison.Ordinal)
            && !r.Url.Contains("/api/dashboard/assets/", StringComparison.Ordinal)
            && !r.Url.Contains("/api/dashboard/data/session", StringComparison.Ordinal)
            && !r.Url.EndsWith("/api/dashboard", StringComparison.Ordinal)
            && !r.Url.Contains("/api/dashboard#", StringComparison.Ordinal)).ToList();
        Assert.Contains(data, r => r.Url.Contains("/api/events/stream", StringComparison.Ordinal));
        Assert.Contains(data, r => r.Url.Contains("/api/workflows/secured-1", StringComparison.Ordinal));
        foreach (var request in data)
        {
            var headers = await request.AllHeadersAsync();
            Assert.True(headers.TryGetValue("x-api-key", out var sent) && sent == SecuredDashboardFixture.AliceKey, $"{request.Method} {request.Url} without the key");
        }

        Assert.DoesNotContain(dashboard.Requests, r => r.Url.Contains(SecuredDashboardFixture.AliceKey, StringComparison.Ordinal));

        // Signing out forgets the key.
        await dashboard.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await dashboard.ReadyAsync("/sign-in");
        Assert.Equal(0, await dashboard.Page.EvaluateAsync<int>("() => sessionStorage.length"));
        Assert.True(dashboard.Errors.Count == 0, string.Join(Environment.NewLine, dashboard.Errors));

        // Another tab (a new context: its own sessionStorage) asks again.
        await using var other = await app.OpenAsync();
        await other.ReadyAsync("/sign-in");
        Assert.True(other.Errors.Count == 0, string.Join(Environment.NewLine, other.Errors));
    }
}
