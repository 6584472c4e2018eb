using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ServerlessTasks.Tests.Callbacks;

/// <summary>
/// The SSRF guard in production mode, end to end: refused at submit (422, nothing created). Names resolve through the
/// worker's real DNS here (the test names do not resolve at all); names answering private addresses and rebinding between
/// submit and send are in <see cref="OutboundAddressGuardTests"/>.
/// </summary>
public sealed class CallbackSsrfTests(ProductionAppHost host) : IClassFixture<ProductionAppHost>
{
    public static TheoryData<string> RefusedUrls() =>
    [
        "http://127.0.0.1/hook",
        "http://127.1/hook",
        "http://localhost/hook",
        "http://app.localhost/hook",
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
        "http://10.0.0.1/hook",
        "http://172.16.5.4/hook",
        "http://192.168.1.1/hook",
        "http://100.64.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/hook",
        "http://[fd00::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[::ffff:169.254.169.254]/hook",
        "http://[::ffff:a9fe:a9fe]/hook",
        "http://2130706433/hook",
        "http://017700000001/hook",
        "http://0177.0.0.1/hook",
        "http://0x7f.0.0.1/hook",
        "http://0x7f000001/hook",
        "http://0xA9FEA9FE/hook",
        "http://unresolvable.example.test/hook",
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "gopher://example.com/hook",
        "http://user:secret@example.com/hook",
        "http://example.com@127.0.0.1/hook",
    ];

    [Theory]
    [MemberData(nameof(RefusedUrls))]
    public async Task SubmitWorkflow_RefusedCallback_Is422NamingTheCallbackAndCreatesNothing(string url)
    {
        var id = $"ssrf-{Guid.NewGuid():N}";

        using var response = await host.PostAsync("/api/workflows", JsonSerializer.Serialize(new
        {
            workflow_id = id,
            tasks = new[] { new { task_id = "a", task_type = "echo" } },
            callback = new { url, token = "t" },
        }));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("callback", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid_callback", problem.GetProperty("errors")[0].GetProperty("code").GetString());
        using var status = await host.Http.GetAsync($"/api/workflows/{id}");
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
    }

    [Theory]
    [MemberData(nameof(RefusedUrls))]
    public async Task SubmitTask_RefusedCallback_Is422(string url)
    {
        var taskId = $"ssrf-{Guid.NewGuid():N}";

        using var response = await host.PostAsync("/api/tasks", JsonSerializer.Serialize(new { task_id = taskId, task_type = "echo", callback = new { url } }));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("callback", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var status = await host.Http.GetAsync($"/api/tasks/{taskId}");
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
    }
}
