using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ServerlessTasks.Functions.Http;

/// <summary>
/// Reads a JSON request body strictly: right content type (415), bounded size (413), present (400),
/// well-formed with no duplicate keys and bounded nesting (400). The failure is a ready problem response.
/// </summary>
public static class JsonBody
{
    /// <summary>The largest request body accepted.</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    /// <summary>Reads and deserializes the body, or returns the problem response to send instead.</summary>
    public static async Task<(T? Value, IActionResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellation)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        var contentType = request.ContentType;
        if (contentType is null || !contentType.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, ApiResults.Problem(415, "Unsupported Media Type", "Send the body as application/json."));
        }

        if (request.ContentLength > MaxBytes)
        {
            return (null, TooLarge());
        }

        byte[] body;
        using (var buffer = new MemoryStream())
        {
            var chunk = new byte[81920];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellation)) > 0)
            {
                if (buffer.Length + read > MaxBytes)
                {
                    return (null, TooLarge());
                }

                buffer.Write(chunk, 0, read);
            }

            body = buffer.ToArray();
        }

        if (body.Length == 0)
        {
            return (null, ApiResults.Problem(400, "Bad Request", "The request body is empty; send a JSON object."));
        }

        if (body.AsSpan().StartsWith(Encoding.UTF8.Preamble))
        {
            return (null, ApiResults.Problem(400, "Bad Request", "The body starts with a byte order mark; send UTF-8 JSON without a BOM."));
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(body, ApiJson.Options);
            return value is null
                ? (null, ApiResults.Problem(400, "Bad Request", "The body is JSON null; send a JSON object."))
                : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, ApiResults.Problem(400, "Bad Request", $"The body is not valid JSON for this request: {JsonFieldErrors.Describe(ex, typeof(T), body, ApiJson.Options)}"));
        }
    }

    private static IActionResult TooLarge() =>
        ApiResults.Problem(413, "Payload Too Large", $"The request body exceeds {MaxBytes / (1024 * 1024)} MiB.");
}
