using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ServerlessTasks.Tests.Callbacks;

/// <summary>The SSRF guard in production mode: refused at submit (422, nothing created) and again at send.</summary>
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
        "http://private.example.test/hook",
        "http://metadata.example.test/hook",
        "http://mapped.example.test/hook",
        "http://unresolvable.example.test/hook",
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "gopher://example.com/hook",
        "http://user:secret@example.com/hook",
        "http://example.com@127.0.0.1/hook",
    ];

    private void ScriptNames()
    {
        host.Resolver.Script("private.example.test", [IPAddress.Parse("10.1.2.3")]);
        host.Resolver.Script("metadata.example.test", [IPAddress.Parse("93.184.216.34"), IPAddress.Parse("169.254.169.254")]);
        host.Resolver.Script("mapped.example.test", [IPAddress.Parse("::ffff:192.168.0.1")]);
    }

    [Theory]
    [MemberData(nameof(RefusedUrls))]
    public async Task SubmitWorkflow_RefusedCallback_Is422NamingTheCallbackAndCreatesNothing(string url)
    {
        ScriptNames();
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
        ScriptNames();
        var taskId = $"ssrf-{Guid.NewGuid():N}";

        using var response = await host.PostAsync("/api/tasks", JsonSerializer.Serialize(new { task_id = taskId, task_type = "echo", callback = new { url } }));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("callback", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var status = await host.Http.GetAsync($"/api/tasks/{taskId}");
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
    }

    [Fact]
    public async Task Send_NameRebindsToLoopbackAfterSubmit_IsRefusedOnTheResolvedAddress()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var host1 = $"rebind-{Guid.NewGuid():N}.example.test";
        // Public when the submission is checked, loopback (where the receiver listens) when the delivery connects.
        host.Resolver.Script(host1, [IPAddress.Parse("93.184.216.34")], [IPAddress.Loopback]);
        var url = $"http://{host1}:{receiver.BaseUrl.Port}/hook";

        var id = await host.SubmitAsync($$$"""{"tasks":[{"task_id":"a","task_type":"echo"}],"callback":{"url":"{{{url}}}"}}""");
        var workflow = await Eventually.ReturnsAsync(
            () => host.GetWorkflowAsync(id),
            w => w.TryGetProperty("callback", out var c) && c.GetProperty("status").GetString() == "dead_lettered",
            TimeSpan.FromSeconds(30));

        Assert.Empty(receiver.Received);
        Assert.Contains("Refused to connect", workflow.GetProperty("callback").GetProperty("last_error").GetString(), StringComparison.Ordinal);
        Assert.Equal("completed", workflow.GetProperty("status").GetString());
    }
}
