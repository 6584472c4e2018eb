using System.Text.Json;

namespace LocalRuntime.Timers;

/// <summary>
/// Schedule status in the host's data folder, one file per timer (<c>timers/&lt;function&gt;/status</c>, the path of the
/// extension's status blob), JSON <c>{"Last","Next","LastUpdated"}</c>, replaced atomically on every update.
/// </summary>
public sealed class FileScheduleMonitor(string folder) : IScheduleMonitor
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>The folder holding one subfolder per timer.</summary>
    public string Folder { get; } = Path.GetFullPath(folder);

    /// <inheritdoc />
    public async Task<ScheduleStatus?> GetStatusAsync(string timerName, CancellationToken cancellation = default)
    {
        var path = PathOf(timerName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            await using var stream = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync<ScheduleStatus>(stream, Json, cancellation).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            // A torn or foreign file counts as no record: the timer starts afresh rather than not at all.
            return null;
        }
    }

    /// <inheritdoc />
    public async Task UpdateStatusAsync(string timerName, ScheduleStatus status, CancellationToken cancellation = default)
    {
        var path = PathOf(timerName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        await using (var stream = File.Create(temp))
        {
            await JsonSerializer.SerializeAsync(stream, status, Json, cancellation).ConfigureAwait(false);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The status file of a timer.</summary>
    public string PathOf(string timerName)
    {
        ArgumentException.ThrowIfNullOrEmpty(timerName);
        var safe = string.Concat(timerName.Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_'));
        return Path.Combine(Folder, safe, "status");
    }
}
