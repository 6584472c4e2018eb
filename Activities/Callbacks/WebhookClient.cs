namespace ServerlessTasks.Activities.Callbacks;

/// <summary>The typed HTTP client of callback delivery (its handler carries the SSRF guard; redirects are not followed).</summary>
public sealed class WebhookClient(HttpClient http)
{
    /// <summary>The client.</summary>
    public HttpClient Http { get; } = http;
}
