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

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>The last <paramref name="count"/> lines, oldest first.</summary>
    public string Tail(int count = 60) => string.Join(Environment.NewLine, _lines.TakeLast(count));

    /// <summary>Lines containing <paramref name="text"/>.</summary>
    public IReadOnlyList<string> Matching(string text) => [.. _lines.Where(l => l.Contains(text, StringComparison.Ordinal))];

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        // The host's own categories at Information (worker starts, restarts, drains); everything else from Warning.
        private readonly LogLevel _minimum = category.StartsWith("LocalRuntime", StringComparison.Ordinal) || category == "Worker.Console"
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

            owner._lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? string.Empty : " | " + exception.GetType().Name + ": " + exception.Message)}");
            while (owner._lines.Count > MaxLines)
            {
                owner._lines.TryDequeue(out _);
            }
        }
    }
}
