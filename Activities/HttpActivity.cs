using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using ServerlessTasks.Domain.Security;
using ServerlessTasks.Functions.Contracts;

namespace ServerlessTasks.Activities;

/// <summary>
/// The <c>http</c> task type: <c>{url, method?, headers?, body?, timeout_seconds?}</c>. A 2xx answer is the
/// result (<c>{status, body}</c>); anything else fails the attempt so the task's retry policy applies.
/// Targets pass the SSRF guard (checked here and again on the resolved address at connect time).
/// </summary>
public sealed class HttpActivity(Http.HttpTaskClient client, Http.OutboundAddressGuard guard, Events.HostClock clock)
{
    /// <summary>The largest response body kept in the result.</summary>
    public const int MaxResponseBytes = 256 * 1024;

    /// <summary>The activity function.</summary>
    [Function(nameof(HttpActivity))]
    public Task<Events.TaskActivityResult> Run([ActivityTrigger] TaskInvocation invocation, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        return clock.RunAsync(invocation.Hlc, async () => await CallAsync(invocation, cancellation));
    }

    private async Task<JsonElement> CallAsync(TaskInvocation invocation, CancellationToken cancellation)
    {
        var url = TaskPayload.GetString(invocation.Payload, "url") ?? throw new ArgumentException("The http task needs payload.url.");
        var check = CallbackUrlGuard.Check(url, guard.AllowLoopback);
        if (check.Verdict == CallbackUrlVerdict.Refused)
        {
            throw new InvalidOperationException($"Refused URL: {check.Reason}");
        }

        using var request = new HttpRequestMessage(new HttpMethod(TaskPayload.GetString(invocation.Payload, "method") ?? "GET"), url);
        if (TaskPayload.Get(invocation.Payload, "headers") is { ValueKind: JsonValueKind.Object } headers)
        {
            foreach (var header in headers.EnumerateObject())
            {
                request.Headers.TryAddWithoutValidation(header.Name, header.Value.ToString());
            }
        }

        if (TaskPayload.Get(invocation.Payload, "body") is { } body)
        {
            request.Content = body.ValueKind == JsonValueKind.String
                ? new StringContent(body.GetString()!, Encoding.UTF8, "text/plain")
                : new StringContent(body.GetRawText(), Encoding.UTF8, "application/json");
        }

        request.Headers.TryAddWithoutValidation("Idempotency-Key", invocation.IdempotencyKey);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(TaskPayload.GetDouble(invocation.Payload, "timeout_seconds") ?? 30));
        using var response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var text = await ReadLimitedAsync(response, timeout.Token);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(string.Create(CultureInfo.InvariantCulture, $"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}"));
        }

        JsonElement parsedBody;
        try
        {
            parsedBody = JsonSerializer.Deserialize<JsonElement>(text);
        }
        catch (JsonException)
        {
            parsedBody = JsonSerializer.SerializeToElement(text);
        }

        return JsonSerializer.SerializeToElement(new { status = (int)response.StatusCode, body = parsedBody });
    }

    private static async Task<string> ReadLimitedAsync(HttpResponseMessage response, CancellationToken cancellation)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellation);
        var buffer = new byte[MaxResponseBytes];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellation)) > 0)
        {
            total += read;
        }

        return Encoding.UTF8.GetString(buffer, 0, total);
    }
}
