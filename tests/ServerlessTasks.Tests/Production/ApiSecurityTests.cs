using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessTasks.TaskIndex;

namespace ServerlessTasks.Tests.Production;

/// <summary>API keys and rate limits through the real worker's middleware, over loopback HTTP.</summary>
public sealed class ApiSecurityTests(SecuredAppHost host, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<SecuredAppHost>
{
    private static HttpRequestMessage Request(HttpMethod method, string path, string? key, string? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (key is not null)
        {
            request.Headers.Add("x-api-key", key);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        return request;
    }

    /// <summary>Every HTTP function the worker indexed, as a request with its route parameters filled in.</summary>
    private IEnumerable<(HttpMethod Method, string Path)> Endpoints()
    {
        foreach (var function in host.Host.Functions.Where(f => string.Equals(f.Trigger.Type, "httpTrigger", StringComparison.OrdinalIgnoreCase)))
        {
            if (string.Equals(function.Trigger.GetString("authLevel"), "anonymous", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var route = System.Text.RegularExpressions.Regex.Replace(function.Trigger.GetString("route") ?? function.Name, @"\{[^}]+\}", "x");
            var methods = function.Trigger.Raw.TryGetProperty("methods", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Select(m => m.GetString()!).ToArray()
                : ["get"];
            foreach (var method in methods)
            {
                yield return (new HttpMethod(method.ToUpperInvariant()), "/api/" + route);
            }
        }
    }

    [Fact]
    public async Task EveryEndpoint_WithoutOrWithAWrongKey_Is401AndNothingRuns()
    {
        var endpoints = Endpoints().ToList();
        Assert.True(endpoints.Count >= 15, $"only {endpoints.Count} endpoints indexed");
        foreach (var (method, path) in endpoints)
        {
            foreach (var key in new[] { null, "wrong-key-0000000000000000", SecuredAppHost.AliceKey[..^1] })
            {
                using var response = await host.Http.SendAsync(Request(method, path, key, method == HttpMethod.Get ? null : "{}"));
                Assert.True(HttpStatusCode.Unauthorized == response.StatusCode, $"{method} {path} with key '{key}': {(int)response.StatusCode}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        output.WriteLine($"401 without / with a wrong key on {endpoints.Count} endpoints:");
        foreach (var (method, path) in endpoints)
        {
            output.WriteLine($"  {method} {path}");
        }
    }

    [Fact]
    public async Task RightKey_Submits_AndReadsBack()
    {
        using (var submitted = await host.Http.SendAsync(Request(HttpMethod.Post, "/api/tasks", SecuredAppHost.BobKey, """{"task_id":"secured-1","task_type":"echo","payload":{"v":1}}""")))
        {
            Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        }

        var deadline = DateTime.UtcNow + AppHost.DefaultWait;
        while (true)
        {
            using var read = await host.Http.SendAsync(Request(HttpMethod.Get, "/api/tasks/secured-1", SecuredAppHost.BobKey));
            if (read.StatusCode == HttpStatusCode.OK && (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString() == "completed")
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"secured-1 did not complete: {(int)read.StatusCode}{host.Describe()}");
            await Task.Delay(200); // stays under bob's 5 requests per second
        }

        using var list = await host.Http.SendAsync(Request(HttpMethod.Get, "/api/tasks?limit=5", SecuredAppHost.BobKey));
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
    }

    [Fact]
    public async Task Logs_NeverContainAKey()
    {
        foreach (var key in new[] { SecuredAppHost.AliceKey, "wrong-key-1111111111111111" })
        {
            using var response = await host.Http.SendAsync(Request(HttpMethod.Get, "/api/tasks/logged-x", key));
            Assert.Equal(key == SecuredAppHost.AliceKey ? HttpStatusCode.NotFound : HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // The refusal was logged (so the log is captured at all), by client and reason only.
        await Callbacks.Eventually.ReturnsAsync(() => Task.FromResult(host.Logs.Matching("refused: unknown key").Count), n => n > 0, AppHost.DefaultWait, describe: host.Describe);
        foreach (var secret in new[] { SecuredAppHost.AliceKey, SecuredAppHost.BobKey, SecuredAppHost.CarolKey, "wrong-key-1111111111111111" })
        {
            Assert.Empty(host.Logs.Matching(secret));
        }
    }

    [Fact]
    public async Task Burst_OverTheLimit_Gets429WithRetryAfter_AndCreatesNothing()
    {
        const int requests = 40;
        var ids = Enumerable.Range(0, requests).Select(i => $"burst-{i}").ToArray();
        var responses = await Task.WhenAll(ids.Select(id =>
            host.Http.SendAsync(Request(HttpMethod.Post, "/api/tasks", SecuredAppHost.AliceKey, $$"""{"task_id":"{{id}}","task_type":"echo","payload":1}"""))));
        try
        {
            var accepted = ids.Where((_, i) => responses[i].StatusCode == HttpStatusCode.Accepted).ToList();
            var refused = ids.Where((_, i) => responses[i].StatusCode == HttpStatusCode.TooManyRequests).ToList();
            output.WriteLine($"{accepted.Count} accepted, {refused.Count} refused with 429");
            Assert.Equal(requests, accepted.Count + refused.Count);
            Assert.InRange(accepted.Count, SecuredAppHost.Burst, requests - 10);
            foreach (var response in responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests))
            {
                Assert.True(int.TryParse(response.Headers.GetValues("Retry-After").Single(), out var seconds) && seconds >= 1);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }

            var client = host.CreateDurableClient();
            foreach (var id in refused)
            {
                Assert.Null(await client.GetInstanceAsync(TaskIndexEntry.SingleTaskWorkflowId(id)));
            }

            foreach (var id in accepted)
            {
                Assert.NotNull(await client.GetInstanceAsync(TaskIndexEntry.SingleTaskWorkflowId(id)));
            }
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }
}
