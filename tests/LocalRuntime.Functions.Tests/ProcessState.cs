namespace LocalRuntime.Functions.Tests;

/// <summary>Whether a process (not necessarily ours) is still running: gone, or a zombie waiting to be reaped, counts as dead.</summary>
internal static class ProcessState
{
    public static bool IsRunning(int processId)
    {
        try
        {
            // /proc/<pid>/stat: "pid (comm) S ..." - the state follows the last ')'.
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }

    /// <summary>Waits (bounded) until the process is no longer running; fails the test otherwise.</summary>
    public static async Task WaitUntilGoneAsync(int processId, TimeSpan within, Func<string>? context = null)
    {
        var deadline = DateTime.UtcNow + within;
        while (IsRunning(processId))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Process {processId} still runs after {within}. {context?.Invoke()}");
            await Task.Delay(20);
        }
    }
}
