using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace LocalRuntime.Functions.Tests;

/// <summary>Captures every log line of a host (category, level, message), for assertions and for failure output.</summary>
public sealed class TestLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<LogLine> _lines = new();

    public IReadOnlyList<LogLine> Lines => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void Dispose()
    {
    }

    /// <summary>The last lines as text, for failure messages.</summary>
    public string Tail(int count = 60) => string.Join(Environment.NewLine, Lines.TakeLast(count).Select(l => $"{l.Level} {l.Category}: {l.Message}"));

    /// <summary>Waits (bounded) until a line matching <paramref name="match"/> has been logged.</summary>
    public async Task<LogLine> WaitForAsync(Func<LogLine, bool> match, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var line = Lines.FirstOrDefault(match);
            if (line is not null)
            {
                return line;
            }

            Assert.True(DateTime.UtcNow < deadline, $"No matching log line within {within}:{Environment.NewLine}{Tail()}");
            await Task.Delay(20);
        }
    }

    public sealed record LogLine(string Category, LogLevel Level, string Message, Exception? Exception);

    private sealed class Logger(string category, TestLogs owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue(new LogLine(category, logLevel, formatter(state, exception), exception));
    }
}
