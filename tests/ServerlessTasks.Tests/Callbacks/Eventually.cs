namespace ServerlessTasks.Tests.Callbacks;

/// <summary>Polls with a deadline instead of sleeping.</summary>
public static class Eventually
{
    /// <summary>
    /// Reads until <paramref name="condition"/> holds; <paramref name="whileWaiting"/> runs between reads (e.g. advancing a
    /// fake clock), <paramref name="describe"/> adds context (e.g. the host's log) to the failure message.
    /// </summary>
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> read, Func<T, bool> condition, TimeSpan within, Action? whileWaiting = null, Func<int, string>? describe = null)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Condition not reached in {within}: {value}{describe?.Invoke(40)}");
            whileWaiting?.Invoke();
            await Task.Delay(10);
        }
    }
}
