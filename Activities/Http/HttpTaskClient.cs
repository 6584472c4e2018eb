namespace ServerlessTasks.Activities.Http;

/// <summary>The typed HTTP client of the <c>http</c> task type (its handler carries the SSRF guard).</summary>
public sealed class HttpTaskClient(HttpClient http)
{
    /// <summary>The client.</summary>
    public HttpClient Http { get; } = http;
}
