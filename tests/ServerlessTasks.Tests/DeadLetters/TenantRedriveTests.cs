using System.Net;
using System.Text.Json;
using ServerlessTasks.Tests.Production;

namespace ServerlessTasks.Tests.DeadLetters;

/// <summary>Redrive under tenant keys: a tenant redrives its own dead letters only; the dead-letter view is an operator's.</summary>
public sealed class TenantRedriveTests(TenantAppHost host) : IClassFixture<TenantAppHost>
{
    [Fact]
    public async Task RedriveTask_TenantKeys_OwnTaskOnlyAndDeadLetterViewForOperators()
    {
        var (submitted, body) = await SendAsync(HttpMethod.Post, "/api/tasks", TenantAppHost.AcmeKey,
            """{"task_id":"tn-dl","task_type":"fail","payload":{"fail_times":1},"max_retries":0}""");
        Assert.Equal(HttpStatusCode.Accepted, submitted);
        await host.PollUntilDoneAsync(body.GetProperty("statusQueryGetUri").GetString()!);

        var (otherTenant, otherBody) = await SendAsync(HttpMethod.Post, "/api/tasks/tn-dl/redrive", TenantAppHost.GlobexKey);
        Assert.Equal(HttpStatusCode.NotFound, otherTenant);
        Assert.Equal("No task with id 'tn-dl'.", otherBody.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, "/api/dead-letters/tasks", TenantAppHost.AcmeKey)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/api/dead-letters/tasks/redrive", TenantAppHost.AcmeKey, "{}")).Status);
        var (listed, letters) = await SendAsync(HttpMethod.Get, "/api/dead-letters/tasks", TenantAppHost.OperatorKey);
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Contains(letters.GetProperty("items").EnumerateArray(), i => i.GetProperty("task_id").GetString() == "tn-dl");

        var (redriven, accepted) = await SendAsync(HttpMethod.Post, "/api/tasks/tn-dl/redrive", TenantAppHost.AcmeKey);
        Assert.Equal(HttpStatusCode.Accepted, redriven);
        await host.PollUntilDoneAsync(accepted.GetProperty("statusQueryGetUri").GetString()!);
        var (read, task) = await SendAsync(HttpMethod.Get, "/api/tasks/tn-dl", TenantAppHost.AcmeKey);
        Assert.Equal(HttpStatusCode.OK, read);
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/api/tasks/tn-dl", TenantAppHost.GlobexKey)).Status);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string key, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("x-api-key", key);
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await host.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
