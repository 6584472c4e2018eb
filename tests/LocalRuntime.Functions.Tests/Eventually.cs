namespace LocalRuntime.Functions.Tests;

/// <summary>Polls a condition until it holds or a deadline passes (no fixed sleeps).</summary>
internal static class Eventually
{
    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan within, Func<string>? context = null)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The condition did not hold within {within}; last value {value}. {context?.Invoke()}");
            await Task.Delay(25);
        }
    }

    public static Task WaitAsync(Func<bool> done, TimeSpan within, Func<string>? context = null) =>
        WaitAsync(() => Task.FromResult(done()), d => d, within, context);
}
