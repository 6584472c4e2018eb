using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ServerlessTasks.Tests;

/// <summary>
/// The host's log lines (the worker's forwarded logs and console output included), kept so a failing wait can show
/// what the host and the app were doing.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private const int MaxLines = 4000;
    private readonly ConcurrentQueue<string> _lines = new();

    // ST_TEST_LOG_DIR keeps every captured line in a file per host as well, to look into a failure afterwards.
    private readonly StreamWriter? _file = Environment.GetEnvironmentVariable("ST_TEST_LOG_DIR") is { Length: > 0 } folder
        ? new StreamWriter(Path.Combine(Directory.CreateDirectory(folder).FullName, $"host-{DateTime.UtcNow:HHmmss}-{Guid.NewGuid().ToString("N")[..6]}.log")) { AutoFlush = true }
        : null;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>The last <paramref name="count"/> lines, oldest first.</summary>
    public string Tail(int count = 60) => string.Join(Environment.NewLine, _lines.TakeLast(count));

    /// <summary>Lines containing <paramref name="text"/>.</summary>
    public IReadOnlyList<string> Matching(string text) => [.. _lines.Where(l => l.Contains(text, StringComparison.Ordinal))];

    public void Dispose()
    {
        lock (_lines)
        {
            _file?.Dispose();
        }
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        // The host's own categories at Information (worker starts, restarts, drains); everything else from Warning.
        // The per-request lines are left out: tests poll, and they would push everything else out of the tail.
        // ST_TEST_LOG_LEVEL (e.g. Debug) captures every category from that level, to look into a failure.
        private readonly LogLevel _minimum = Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("ST_TEST_LOG_LEVEL"), out var level) ? level
            : (category.StartsWith("LocalRuntime", StringComparison.Ordinal) && category != "LocalRuntime.Functions.Requests") || category == "Worker.Console"
            ? LogLevel.Information
            : LogLevel.Warning;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= _minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? string.Empty : " | " + exception.GetType().Name + ": " + exception.Message)}";
            owner._lines.Enqueue(line);
            if (owner._file is { } file)
            {
                lock (owner._lines)
                {
                    try
                    {
                        file.WriteLine(exception is null ? line : line + Environment.NewLine + exception);
                    }
                    catch (ObjectDisposedException)
                    {
                        // Logged after the host was disposed.
                    }
                }
            }

            while (owner._lines.Count > MaxLines)
            {
                owner._lines.TryDequeue(out _);
            }
        }
    }
}
