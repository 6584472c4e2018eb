using Microsoft.AspNetCore.Mvc;

namespace ServerlessTasks.Functions.Http;

/// <summary>Responses of the public API: JSON bodies in <see cref="ApiJson"/> style, problems as RFC 9457.</summary>
public static class ApiResults
{
    /// <summary>A JSON body with a status code.</summary>
    public static IActionResult Json(object body, int status = 200) =>
        new ContentResult
        {
            StatusCode = status,
            ContentType = "application/json; charset=utf-8",
            Content = System.Text.Json.JsonSerializer.Serialize(body, body.GetType(), ApiJson.Options),
        };

    /// <summary>A problem response (<c>application/problem+json</c>).</summary>
    public static IActionResult Problem(int status, string title, string detail, object? errors = null) =>
        new ContentResult
        {
            StatusCode = status,
            ContentType = "application/problem+json; charset=utf-8",
            Content = System.Text.Json.JsonSerializer.Serialize(
                new ProblemBody("about:blank", title, status, detail, errors), ApiJson.Options),
        };

    private sealed record ProblemBody(string Type, string Title, int Status, string Detail, object? Errors);
}
