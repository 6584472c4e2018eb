using System.Text.Json;

namespace LocalRuntime.Functions.Hosting;

/// <summary>
/// The app's <c>local.settings.json</c> as <c>func start</c> reads it: <c>Values</c> become the worker's environment
/// (and host configuration), <c>Host.LocalHttpPort</c> the default port. A missing file is no settings.
/// </summary>
public sealed class LocalSettings
{
    /// <summary>The file name, in the app folder (or the project folder the app was built from).</summary>
    public const string FileName = "local.settings.json";

    private LocalSettings(IReadOnlyDictionary<string, string?> values, int? localHttpPort, string? path)
    {
        Values = values;
        LocalHttpPort = localHttpPort;
        Path = path;
    }

    /// <summary>The <c>Values</c> object, names as written.</summary>
    public IReadOnlyDictionary<string, string?> Values { get; }

    /// <summary><c>Host.LocalHttpPort</c>, if set.</summary>
    public int? LocalHttpPort { get; }

    /// <summary>The file read, or null when there was none.</summary>
    public string? Path { get; }

    /// <summary>No settings.</summary>
    public static LocalSettings Empty { get; } = new(new Dictionary<string, string?>(), null, null);

    /// <summary>Reads <c>local.settings.json</c> from <paramref name="appDirectory"/>, if it is there.</summary>
    /// <exception cref="InvalidOperationException">The file is not valid JSON.</exception>
    public static LocalSettings Read(string appDirectory)
    {
        var path = System.IO.Path.Combine(appDirectory, FileName);
        if (!File.Exists(path))
        {
            return Empty;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            int? port = null;
            foreach (var section in document.RootElement.EnumerateObject())
            {
                if (string.Equals(section.Name, "Values", StringComparison.OrdinalIgnoreCase) && section.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var value in section.Value.EnumerateObject())
                    {
                        values[value.Name] = value.Value.ValueKind switch
                        {
                            JsonValueKind.String => value.Value.GetString(),
                            JsonValueKind.Null => null,
                            _ => value.Value.GetRawText(),
                        };
                    }
                }
                else if (string.Equals(section.Name, "Host", StringComparison.OrdinalIgnoreCase) && section.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var setting in section.Value.EnumerateObject())
                    {
                        if (string.Equals(setting.Name, "LocalHttpPort", StringComparison.OrdinalIgnoreCase))
                        {
                            port = setting.Value.ValueKind == JsonValueKind.Number ? setting.Value.GetInt32() : int.Parse(setting.Value.GetString()!, System.Globalization.CultureInfo.InvariantCulture);
                        }
                    }
                }
            }

            return new LocalSettings(values, port, path);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw new InvalidOperationException($"{path} is not valid: {ex.Message}", ex);
        }
    }
}
