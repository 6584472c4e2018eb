using System.Net;

namespace LocalRuntime.Functions.Tests;

/// <summary>Function keys as the former host did them: open when none is configured, function/master levels, constant-time, never logged.</summary>
public sealed class AuthorizationTests
{
    private const string FunctionKey = "fk-0123456789abcdef-function";
    private const string MasterKey = "mk-fedcba9876543210-master";

    private static readonly string[] Keys = [$"--FunctionKeys:Default={FunctionKey}", $"--FunctionKeys:Master={MasterKey}"];

    [Fact]
    public async Task NoKeysConfigured_EveryLevelIsOpen()
    {
        await using var app = await TestHost.StartAsync();

        Assert.Equal(HttpStatusCode.OK, await GetAsync(app, "api/Hello"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(app, "api/Guarded"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(app, "api/admin/only"));
    }

    [Fact]
    public async Task KeysConfigured_FunctionLevel_NeedsAValidKeyInHeaderOrCode()
    {
        await using var app = await TestHost.StartAsync(null, Keys);

        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(app, "api/Guarded"));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(app, "api/Guarded", "wrong-key"));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(app, "api/Guarded?code=wrong-key"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(app, "api/Guarded", FunctionKey));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(app, $"api/Guarded?code={FunctionKey}"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(app, "api/Guarded", MasterKey));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(app, "api/Hello"));
    }

    [Fact]
    public async Task KeysConfigured_AdminLevel_NeedsTheMasterKey()
    {
        await using var app = await TestHost.StartAsync(null, Keys);

        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(app, "api/admin/only"));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(app, "api/admin/only", FunctionKey));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(app, "api/admin/only", MasterKey));
    }

    [Fact]
    public async Task KeysConfigured_Unauthorized_IsProblemJson()
    {
        await using var app = await TestHost.StartAsync(null, Keys);

        using var response = await app.Http.GetAsync("api/Guarded?code=nope");

        var problem = await HttpProxyTests.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "/api/Guarded");
        Assert.Equal("'/api/Guarded' needs a valid function key (x-functions-key header or code query).", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Keys_NeverLogged_EvenAtTraceLevel()
    {
        var app = await TestHost.StartAsync(null, [.. Keys, "--AzureFunctionsJobHost:logging:logLevel:default=Trace"]);
        await using (app)
        {
            Assert.Equal(HttpStatusCode.OK, await GetAsync(app, "api/Guarded", FunctionKey));
            Assert.Equal(HttpStatusCode.OK, await GetAsync(app, $"api/Guarded?code={FunctionKey}"));
            Assert.Equal(HttpStatusCode.OK, await GetAsync(app, $"api/admin/only?code={MasterKey}"));
            Assert.Equal(HttpStatusCode.OK, await GetAsync(app, $"api/inspect/x?code={FunctionKey}"));
            Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(app, "api/admin/only", "wrong-key-logged?"));
        }

        var lines = app.Logs.Lines;
        Assert.Contains(lines, l => l.Category == "LocalRuntime.Functions.Requests" && l.Message.StartsWith("HTTP GET /api/Guarded -> 200", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Category.StartsWith("Function.", StringComparison.Ordinal));
        var leaks = lines.Where(l => (l.Message + l.Exception).Contains(FunctionKey, StringComparison.Ordinal) || (l.Message + l.Exception).Contains(MasterKey, StringComparison.Ordinal)).ToList();
        Assert.True(leaks.Count == 0, string.Join("\n", leaks));
    }

    private static async Task<HttpStatusCode> GetAsync(TestHost app, string path, string? headerKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (headerKey is not null)
        {
            request.Headers.Add("x-functions-key", headerKey);
        }

        using var response = await app.Http.SendAsync(request);
        return response.StatusCode;
    }
}
