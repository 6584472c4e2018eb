using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ServerlessTasks.ReferenceWorker;

/// <summary>A task failed on this worker; <see cref="Retryable"/> tells the service whether to retry it.</summary>
public sealed class TaskFailure : Exception
{
    /// <summary>Creates a failure.</summary>
    public TaskFailure(string message, bool retryable)
        : base(message) => Retryable = retryable;

    /// <summary>Creates a retryable failure.</summary>
    public TaskFailure()
        : this("failed", true)
    {
    }

    /// <summary>Creates a retryable failure.</summary>
    public TaskFailure(string message)
        : this(message, true)
    {
    }

    /// <summary>Creates a retryable failure.</summary>
    public TaskFailure(string message, Exception innerException)
        : base(message, innerException) => Retryable = true;

    /// <summary>Whether the service may retry the task.</summary>
    public bool Retryable { get; }
}

/// <summary>
/// The simple task types the reference worker runs. Every type takes the optional payload fields
/// <c>duration_ms</c> (simulated work, default 10), <c>fail</c> (true: fail; <c>retryable</c> says how) and
/// <c>echo</c>. <c>resize</c> answers <c>{width, height}</c> halved (or <c>scale</c>d), <c>transcode</c> answers
/// <c>{format}</c>, <c>hash</c> answers the SHA-256 of <c>text</c>; any other offered type echoes its payload.
/// </summary>
public static class TaskHandlers
{
    /// <summary>Runs one task; throws <see cref="TaskFailure"/> when the payload asks it to fail or is unusable.</summary>
    public static async Task<JsonNode?> RunAsync(string taskType, JsonElement? payload, string workerId, int attempt, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(taskType);
        var p = payload is { ValueKind: JsonValueKind.Object } o ? o : default;
        bool Has(string name, out JsonElement value)
        {
            value = default;
            return p.ValueKind == JsonValueKind.Object && p.TryGetProperty(name, out value);
        }

        var duration = Has("duration_ms", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetDouble() : 10;
        if (duration is < 0 or > 3_600_000)
        {
            throw new TaskFailure("payload.duration_ms must be 0-3600000", retryable: false);
        }

        if (duration > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(duration), cancellation);
        }

        if (Has("fail", out var fail) && fail.ValueKind == JsonValueKind.True)
        {
            var retryable = !Has("retryable", out var r) || r.ValueKind != JsonValueKind.False;
            throw new TaskFailure($"{taskType} failed as its payload asked (attempt {attempt})", retryable);
        }

        var result = new JsonObject { ["worker_id"] = workerId, ["task_type"] = taskType, ["attempt"] = attempt };
        switch (taskType)
        {
            case "resize":
                var scale = Has("scale", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetDouble() : 0.5;
                result["width"] = (int)Math.Round((Has("width", out var w) && w.ValueKind == JsonValueKind.Number ? w.GetDouble() : 1024) * scale);
                result["height"] = (int)Math.Round((Has("height", out var h) && h.ValueKind == JsonValueKind.Number ? h.GetDouble() : 768) * scale);
                break;
            case "transcode":
                result["format"] = Has("format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : "mp4";
                break;
            case "hash":
                var text = Has("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : string.Empty;
                result["sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
                break;
            default:
                result["echo"] = payload is { } any ? JsonNode.Parse(any.GetRawText()) : null;
                break;
        }

        return result;
    }
}
