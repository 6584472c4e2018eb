namespace ServerlessTasks.Tests.Callbacks;

/// <summary>Polls with a deadline instead of sleeping.</summary>
public static class Eventually
{
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> read, Func<T, bool> condition, TimeSpan within, Action? whileWaiting = null)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Condition not reached in {within}: {value}");
            whileWaiting?.Invoke();
            await Task.Delay(10);
        }
    }
}
