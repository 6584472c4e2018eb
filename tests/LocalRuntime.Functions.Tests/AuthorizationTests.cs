using System.Net;

namespace LocalRuntime.Functions.Tests;

/// <summary>Function keys: enforced when configured, open when not, master key for Admin, never logged.</summary>
public sealed class AuthorizationTests
{
    private const string FunctionKey = "fk-0123456789abcdef-function";
    private const string MasterKey = "mk-fedcba9876543210-master";

    private static Dictionary<string, string> Keys() => new()
    {
        ["FunctionKeys:Default"] = FunctionKey,
        ["FunctionKeys:Master"] = MasterKey,
    };

    private static async Task<HttpStatusCode> GetAsync(TestApp app, string path, string? headerKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (headerKey is not null)
        {
            request.Headers.Add("x-functions-key", headerKey);
        }

        using var response = await app.Http.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task NoKeysConfigured_EveryLevelIsOpen()
    {
        await using var app = await TestApp.StartAsync();

        Assert.Equal(HttpStatusCode.OK, await GetAsync(app, "/api/hello"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(app, "/api/admin"));
        Assert.Equal(HttpStatusCode.NotFound, await GetAsync(app, "/runtime/webhooks/durabletask/instances/none"));
    }

    [Fact]
    public async Task KeysConfigured_FunctionLevel_NeedsAValidKeyInHeaderOrCode()
    {
        await using var app = await TestApp.StartAsync(Keys());

        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(app, "/api/hello"));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(app, "/api/hello", "wrong-key"));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(app, "/api/hello?code=wrong-key"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(app, "/api/hello", FunctionKey));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(app, $"/api/hello?code={FunctionKey}"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(app, "/api/hello", MasterKey));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(app, "/api/open"));
    }

    [Fact]
    public async Task KeysConfigured_AdminLevel_NeedsTheMasterKey()
    {
        await using var app = await TestApp.StartAsync(Keys());

        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(app, "/api/admin"));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(app, "/api/admin", FunctionKey));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(app, "/api/admin", MasterKey));
    }

    [Fact]
    public async Task KeysConfigured_ManagementApi_NeedsAKey()
    {
        await using var app = await TestApp.StartAsync(Keys());

        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(app, "/runtime/webhooks/durabletask/instances/none"));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(app, "/runtime/webhooks/durabletask/instances"));
        Assert.Equal(HttpStatusCode.NotFound, await GetAsync(app, "/runtime/webhooks/durabletask/instances/none", FunctionKey));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(app, "/runtime/webhooks/durabletask/instances?code=" + FunctionKey));
    }

    [Fact]
    public async Task Keys_NeverLogged_EvenAtTraceLevel()
    {
        var app = await TestApp.StartAsync(Keys(), logLevel: "Trace");
        await using (app)
        {
            await GetAsync(app, "/api/hello", FunctionKey);
            await GetAsync(app, $"/api/hello?code={FunctionKey}");
            await GetAsync(app, $"/api/admin?code={MasterKey}");
            await GetAsync(app, "/api/admin", "wrong-key-logged?");
        }

        Assert.NotEmpty(app.Logs.Lines);
        var leaks = app.Logs.Lines.Where(line => line.Contains(FunctionKey, StringComparison.Ordinal) || line.Contains(MasterKey, StringComparison.Ordinal)).ToList();
        Assert.True(leaks.Count == 0, string.Join("\n", leaks));
    }
}
