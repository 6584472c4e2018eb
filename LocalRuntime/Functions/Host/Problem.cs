using Microsoft.AspNetCore.Http;

namespace LocalRuntime.Functions.Host;

/// <summary>Writes RFC 9457 problem responses for the host's own endpoints.</summary>
internal static class Problem
{
    public static Task WriteAsync(HttpContext http, int status, string title, string detail)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(
            new { type = "about:blank", title, status, detail },
            options: null,
            contentType: "application/problem+json",
            cancellationToken: http.RequestAborted);
    }
}
