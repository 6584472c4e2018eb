using System.Text.Json;
using Microsoft.Playwright;
using ServerlessTasks.Tests;
using ServerlessTasks.Tests.Callbacks;

namespace ServerlessTasks.Dashboard.Tests;

/// <summary>
/// The real app on our host (<see cref="AppHost"/>, Development mode: loopback callbacks allowed), a webhook receiver, and
/// Debian's Chromium driven by Playwright, headless (<c>ST_CHROMIUM</c> overrides <c>/usr/bin/chromium</c>). Playwright's
/// own browsers are never downloaded or used. One of each for the test collection. The app has one pool, <c>dash</c>
/// (capacity 4) over <c>approval</c> tasks, so the pools view has one in use.
/// </summary>
public class DashboardFixture : AppHost
{
    /// <summary>The pool the fixture configures.</summary>
    public const string Pool = "dash";

    /// <summary>Its capacity.</summary>
    public const int PoolCapacity = 4;

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public WebhookReceiver Receiver { get; private set; } = null!;

    /// <summary>Where screenshots go: <c>ST_SCREENSHOTS</c>, else <c>TestResults/dashboard</c> at the repository root.</summary>
    public static string ScreenshotFolder { get; } = Directory.CreateDirectory(
        Environment.GetEnvironmentVariable("ST_SCREENSHOTS") is { Length: > 0 } folder
            ? folder
            : Path.GetFullPath(Path.Combine(TestPaths.App, "..", "..", "..", "TestResults", "dashboard"))).FullName;

    protected override IEnumerable<KeyValuePair<string, string>> WorkerSettings() =>
    [
        new($"Pools__{Pool}__Capacity", PoolCapacity.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new($"Pools__{Pool}__TaskTypes", "approval"),
        .. ExtraSettings(),
    ];

    /// <summary>More app settings of a derived fixture.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> ExtraSettings() => [];

    public override async Task InitializeAsync()
    {
        Receiver = await WebhookReceiver.StartAsync();
        await base.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("ST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium",
            Headless = true,
            // As root in a container, with the machine's network closed: no sandbox, no GPU, no background connections.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
            Timeout = 60_000,
        });
    }

    public override async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        await base.DisposeAsync();
        if (Receiver is not null)
        {
            await Receiver.DisposeAsync();
        }
    }

    /// <summary>A new page (laptop-sized) that records console errors and uncaught exceptions, and accepts confirm dialogs.</summary>
    public async Task<DashboardPage> OpenAsync(string hash = "#/")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(45_000);
        var dashboard = new DashboardPage(context, page);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                dashboard.Errors.Add($"console: {message.Text}");
            }
        };
        page.PageError += (_, error) => dashboard.Errors.Add($"page: {error}");
        page.Request += (_, request) => dashboard.Requests.Add(request);
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.GotoAsync(new Uri(BaseAddress, "/api/dashboard" + hash).ToString());
        return dashboard;
    }

    /// <summary>GET a JSON document from the API.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}

/// <summary>One browser page and what went wrong on it.</summary>
public sealed class DashboardPage(IBrowserContext context, IPage page) : IAsyncDisposable
{
    public IPage Page { get; } = page;

    public List<string> Errors { get; } = [];

    /// <summary>Every request the page made, in order.</summary>
    public List<IRequest> Requests { get; } = [];

    /// <summary>Saves a full-page screenshot as <c>{name}.png</c> in <see cref="DashboardFixture.ScreenshotFolder"/>.</summary>
    public Task ScreenshotAsync(string name) =>
        Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DashboardFixture.ScreenshotFolder, name + ".png"), FullPage = true });

    /// <summary>Waits until the view for <paramref name="path"/> finished loading.</summary>
    public Task ReadyAsync(string path) => Page.Locator($"main[data-ready=\"{path}\"]").WaitForAsync();

    public async ValueTask DisposeAsync() => await context.CloseAsync();
}

/// <summary>The browser tests that share one app and one browser (<see cref="DashboardFixture"/>): they run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Dashboard";
}
