using System.Diagnostics;
using System.Net;

namespace ServerlessTasks.Activities.Telemetry;

/// <summary>
/// Counts and times each webhook attempt by outcome (on the webhook client's pipeline, so every delivery path is seen) and
/// wraps it in a <c>webhook POST</c> span (kind Producer) tagged with the <c>webhook-id</c>, the receiver's host and the
/// outcome, never the body, the token or the signature. The HTTP client span and its <c>traceparent</c> header, which the
/// receiver sees, are children of it.
/// </summary>
public sealed class WebhookTelemetryHandler(TaskTelemetry telemetry) : DelegatingHandler
{
    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var span = TaskTelemetry.Source.StartActivity("webhook POST", ActivityKind.Producer);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("server.address", request.RequestUri?.Host);
            span.SetTag("serverlesstasks.webhook_id", request.Headers.TryGetValues("webhook-id", out var ids) ? ids.FirstOrDefault() : null);
        }

        var started = Stopwatch.GetTimestamp();
        var outcome = "error";
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            outcome = OutcomeOf(response.StatusCode);
            return response;
        }
        catch (OperationCanceledException)
        {
            outcome = "timeout";
            throw;
        }
        finally
        {
            telemetry.RecordWebhook(outcome, Stopwatch.GetElapsedTime(started));
            if (span is not null)
            {
                span.SetTag("serverlesstasks.webhook_outcome", outcome);
                if (outcome is not "2xx")
                {
                    span.SetStatus(ActivityStatusCode.Error, outcome);
                }
            }
        }
    }

    /// <summary>The outcome tag of a status: 410 and 429 alone (they change what the sender does), else the class.</summary>
    internal static string OutcomeOf(HttpStatusCode status) => (int)status switch
    {
        410 => "410",
        429 => "429",
        >= 200 and < 300 => "2xx",
        >= 300 and < 400 => "3xx",
        >= 400 and < 500 => "4xx",
        _ => "5xx",
    };
}
