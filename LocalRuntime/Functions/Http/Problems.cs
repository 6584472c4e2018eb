using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LocalRuntime.Functions.Http;

/// <summary>RFC 9457 problem responses (<c>application/problem+json</c>) for what the host itself answers.</summary>
internal static class Problems
{
    public const string ContentType = "application/problem+json";

    public static async Task WriteAsync(HttpContext http, int status, string title, string detail)
    {
        var response = http.Response;
        if (response.HasStarted)
        {
            return;
        }

        // Drop what a failed forward may have copied (status, Content-Length, the worker's headers); keep Allow for a 405.
        var allow = response.Headers.Allow;
        response.Clear();
        if (status == StatusCodes.Status405MethodNotAllowed)
        {
            response.Headers.Allow = allow;
        }

        response.StatusCode = status;
        response.ContentType = ContentType;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "about:blank");
            json.WriteString("title", title);
            json.WriteNumber("status", status);
            json.WriteString("detail", detail);
            json.WriteString("instance", http.Request.Path.Value);
            json.WriteEndObject();
        }

        response.ContentLength = buffer.WrittenCount;
        try
        {
            await response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client left.
        }
    }
}
