using System.Text.Json;

namespace LocalRuntime.Functions.Worker;

/// <summary>
/// A built Functions app folder (the app's build output): it holds <c>functions.metadata</c> and <c>worker.config.json</c>,
/// and <c>worker.config.json</c> names the worker to launch (<c>description.defaultExecutablePath</c>,
/// <c>description.defaultWorkerPath</c>, optional <c>arguments</c> / <c>workerArguments</c>), as the Functions host reads it.
/// </summary>
public sealed record FunctionAppFolder
{
    /// <summary>The file the Functions SDK writes with the app's functions.</summary>
    public const string MetadataFileName = "functions.metadata";

    /// <summary>The file that tells a host how to start the app's worker.</summary>
    public const string WorkerConfigFileName = "worker.config.json";

    private FunctionAppFolder(string path, string executablePath, string workerPath, IReadOnlyList<string> executableArguments, IReadOnlyList<string> workerArguments)
    {
        Path = path;
        ExecutablePath = executablePath;
        WorkerPath = workerPath;
        ExecutableArguments = executableArguments;
        WorkerArguments = workerArguments;
    }

    /// <summary>The app folder, full path.</summary>
    public string Path { get; }

    /// <summary>The executable to start (<c>defaultExecutablePath</c>, e.g. <c>dotnet</c>), resolved.</summary>
    public string ExecutablePath { get; }

    /// <summary>The worker the executable runs (<c>defaultWorkerPath</c>, the app's dll), full path.</summary>
    public string WorkerPath { get; }

    /// <summary>Arguments for the executable, before the worker path (<c>description.arguments</c>).</summary>
    public IReadOnlyList<string> ExecutableArguments { get; }

    /// <summary>Arguments for the worker, after its path (<c>description.workerArguments</c>).</summary>
    public IReadOnlyList<string> WorkerArguments { get; }

    /// <summary>Reads and checks the folder; a folder that is not a built Functions app fails with a message saying what is missing.</summary>
    /// <exception cref="InvalidOperationException">The folder does not exist, lacks one of the two files, or its worker.config.json is unusable.</exception>
    public static FunctionAppFolder Open(string appDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(appDirectory);
        var path = System.IO.Path.GetFullPath(appDirectory);
        if (!Directory.Exists(path))
        {
            throw new InvalidOperationException($"The Functions app folder '{path}' does not exist.");
        }

        foreach (var required in new[] { MetadataFileName, WorkerConfigFileName })
        {
            if (!File.Exists(System.IO.Path.Combine(path, required)))
            {
                throw new InvalidOperationException(
                    $"'{path}' is not a built Functions app: it has no {required}. Point the host at the app's build output (bin/<configuration>/<framework>/) or at its .csproj.");
            }
        }

        var configPath = System.IO.Path.Combine(path, WorkerConfigFileName);
        JsonElement description;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(configPath), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (!TryGetProperty(document.RootElement, "description", out description))
            {
                throw new InvalidOperationException($"{configPath} has no 'description' object.");
            }

            description = description.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"{configPath} is not valid JSON: {ex.Message}", ex);
        }

        var executable = GetString(description, "defaultExecutablePath")
            ?? throw new InvalidOperationException($"{configPath} names no description.defaultExecutablePath.");
        var worker = GetString(description, "defaultWorkerPath")
            ?? throw new InvalidOperationException($"{configPath} names no description.defaultWorkerPath.");

        // {WorkerRoot} is the folder of worker.config.json, as the Functions host expands it.
        executable = executable.Replace("{WorkerRoot}", path + System.IO.Path.DirectorySeparatorChar, StringComparison.OrdinalIgnoreCase);
        worker = worker.Replace("{WorkerRoot}", path + System.IO.Path.DirectorySeparatorChar, StringComparison.OrdinalIgnoreCase);
        var workerPath = System.IO.Path.GetFullPath(worker, path);
        if (!File.Exists(workerPath))
        {
            throw new InvalidOperationException($"The worker '{workerPath}' named by {configPath} does not exist.");
        }

        return new FunctionAppFolder(path, ResolveExecutable(executable, path), workerPath, GetStrings(description, "arguments"), GetStrings(description, "workerArguments"));
    }

    /// <summary>
    /// <c>dotnet</c> is the runtime host running this process when it is one (the same SDK the app was built with);
    /// other names are looked up relative to the app folder, then on PATH.
    /// </summary>
    private static string ResolveExecutable(string executable, string appPath)
    {
        if (string.Equals(executable, "dotnet", StringComparison.OrdinalIgnoreCase)
            && Environment.ProcessPath is { } current
            && string.Equals(System.IO.Path.GetFileNameWithoutExtension(current), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return current;
        }

        if (System.IO.Path.IsPathRooted(executable))
        {
            return executable;
        }

        var local = System.IO.Path.Combine(appPath, executable);
        if (File.Exists(local))
        {
            return local;
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(directory, executable);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return executable;
    }

    private static bool TryGetProperty(JsonElement element, string name, out JsonElement value)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    value = property.Value;
                    return true;
                }
            }
        }

        value = default;
        return false;
    }

    private static string? GetString(JsonElement element, string name) =>
        TryGetProperty(element, name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    private static string[] GetStrings(JsonElement element, string name)
    {
        if (!TryGetProperty(element, name, out var value) || value.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        return value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).Where(s => s.Length > 0).ToArray();
    }
}
