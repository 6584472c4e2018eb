using System.Globalization;

namespace ServerlessTasks.ReferenceWorker;

/// <summary>The worker's command line: <c>--worker-id w1 --capabilities resize,transcode --url http://localhost:7071</c>.</summary>
/// <param name="WorkerId">Its id.</param>
/// <param name="Capabilities">The task types it runs.</param>
/// <param name="BaseUrl">The service.</param>
/// <param name="MaxConcurrentTasks">Tasks it runs at once (<c>--max-concurrent</c>, default 4).</param>
/// <param name="WaitSeconds">Long-poll wait per lease call (<c>--wait-seconds</c>, default 20).</param>
/// <param name="DrainTimeout">Longest it waits for running tasks when stopping (<c>--drain-seconds</c>, default 30).</param>
/// <param name="FunctionKey">A function key for the service (<c>--key</c>, or <c>SERVERLESS_TASKS_KEY</c>), sent as <c>x-functions-key</c>.</param>
public sealed record WorkerOptions(string WorkerId, IReadOnlyList<string> Capabilities, Uri BaseUrl, int MaxConcurrentTasks = 4, double WaitSeconds = 20, double DrainTimeout = 30, string? FunctionKey = null)
{
    /// <summary>The usage line.</summary>
    public const string Usage = "usage: ServerlessTasks.ReferenceWorker --worker-id <id> --capabilities <type>[,<type>...] --url <service url> [--max-concurrent N] [--wait-seconds S] [--drain-seconds S] [--key K]";

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> saying what is wrong.</summary>
    public static WorkerOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new ArgumentException($"Expected '--name value' pairs, got '{name}'. {Usage}");
            }

            values[name[2..]] = args[++i];
        }

        string Required(string name) => values.TryGetValue(name, out var v) && v.Length > 0 ? v : throw new ArgumentException($"--{name} is required. {Usage}");
        double Number(string name, double fallback, double min, double max) =>
            !values.TryGetValue(name, out var v) ? fallback
            : double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n
            : throw new ArgumentException($"--{name} must be a number from {min} to {max}, got '{v}'.");

        var unknown = values.Keys.Except(["worker-id", "capabilities", "url", "max-concurrent", "wait-seconds", "drain-seconds", "key"]).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown option --{unknown[0]}. {Usage}");
        }

        var capabilities = Required("capabilities").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (capabilities.Length == 0)
        {
            throw new ArgumentException($"--capabilities needs at least one task type. {Usage}");
        }

        if (!Uri.TryCreate(Required("url"), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"--url must be an absolute http(s) URL, got '{values["url"]}'.");
        }

        return new WorkerOptions(
            Required("worker-id"),
            capabilities,
            url,
            (int)Number("max-concurrent", 4, 1, 1000),
            Number("wait-seconds", 20, 0, 30),
            Number("drain-seconds", 30, 0, 3600),
            values.GetValueOrDefault("key") ?? Environment.GetEnvironmentVariable("SERVERLESS_TASKS_KEY"));
    }
}
