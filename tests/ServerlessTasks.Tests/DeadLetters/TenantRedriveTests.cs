using System.Net;
using ServerlessTasks.Tests.Production;

namespace ServerlessTasks.Tests.DeadLetters;

/// <summary>Redrive under tenant keys: a tenant redrives its own dead letters only; the dead-letter view is an operator's.</summary>
public sealed class TenantRedriveTests(TenantAppHost host) : IClassFixture<TenantAppHost>
{
    [Fact]
    public async Task RedriveTask_TenantKeys_OwnTaskOnlyAndDeadLetterViewForOperators()
    {
        var (submitted, body) = await host.SendAsync(HttpMethod.Post, "/api/tasks", TenantAppHost.AcmeKey,
            """{"task_id":"tn-dl","task_type":"fail","payload":{"fail_times":1},"max_retries":0}""");
        Assert.Equal(HttpStatusCode.Accepted, submitted);
        await host.PollUntilDoneAsync(body.GetProperty("statusQueryGetUri").GetString()!);

        var (otherTenant, otherBody) = await host.SendAsync(HttpMethod.Post, "/api/tasks/tn-dl/redrive", TenantAppHost.GlobexKey);
        Assert.Equal(HttpStatusCode.NotFound, otherTenant);
        Assert.Equal("No task with id 'tn-dl'.", otherBody.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await host.SendAsync(HttpMethod.Get, "/api/dead-letters/tasks", TenantAppHost.AcmeKey)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await host.SendAsync(HttpMethod.Post, "/api/dead-letters/tasks/redrive", TenantAppHost.AcmeKey, "{}")).Status);
        var (listed, letters) = await host.SendAsync(HttpMethod.Get, "/api/dead-letters/tasks", TenantAppHost.OperatorKey);
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Contains(letters.GetProperty("items").EnumerateArray(), i => i.GetProperty("task_id").GetString() == "tn-dl");

        var (redriven, accepted) = await host.SendAsync(HttpMethod.Post, "/api/tasks/tn-dl/redrive", TenantAppHost.AcmeKey);
        Assert.Equal(HttpStatusCode.Accepted, redriven);
        await host.PollUntilDoneAsync(accepted.GetProperty("statusQueryGetUri").GetString()!);
        var (read, task) = await host.SendAsync(HttpMethod.Get, "/api/tasks/tn-dl", TenantAppHost.AcmeKey);
        Assert.Equal(HttpStatusCode.OK, read);
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await host.SendAsync(HttpMethod.Get, "/api/tasks/tn-dl", TenantAppHost.GlobexKey)).Status);
    }
}
