using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Durable.Tests.EndToEnd;

/// <summary>Keeps the host's (and the worker's forwarded) log lines so a failing test can show them.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>The last <paramref name="count"/> lines.</summary>
    public string Tail(int count = 80) => string.Join(Environment.NewLine, _lines.TakeLast(count));

    /// <summary>Lines containing <paramref name="text"/>.</summary>
    public IReadOnlyList<string> Matching(string text) => [.. _lines.Where(l => l.Contains(text, StringComparison.Ordinal))];

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information
            || (logLevel >= LogLevel.Debug && category.StartsWith("LocalRuntime", StringComparison.Ordinal));

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            owner._lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception)}");
            while (owner._lines.Count > 5000)
            {
                owner._lines.TryDequeue(out _);
            }
        }
    }
}
