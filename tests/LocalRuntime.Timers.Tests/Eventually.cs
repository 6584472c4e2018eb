namespace LocalRuntime.Timers.Tests;

/// <summary>Polls a condition until it holds or a deadline passes (never a fixed sleep).</summary>
internal static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    public static async Task TrueAsync(Func<bool> condition, string because, TimeSpan? timeout = null)
    {
        await TrueAsync(() => Task.FromResult(condition()), because, timeout);
    }

    public static async Task TrueAsync(Func<Task<bool>> condition, string because, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out: {because}");
            }

            await Task.Delay(5);
        }
    }
}
