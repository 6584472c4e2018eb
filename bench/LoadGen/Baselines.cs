namespace LoadGen;

/// <summary>
/// The same work in plain async code, no engine: the floor every engine figure is divided by. The
/// "activity" is the same trivial function (input + 1) run on the thread pool.
/// </summary>
internal static class Baselines
{
    private static int AddOne(int x) => x + 1;

    /// <summary>N trivial functions on the thread pool, awaited together.</summary>
    public static async Task<long> FanOutAsync(int n)
    {
        var tasks = new Task<int>[n];
        for (var i = 0; i < n; i++)
        {
            var input = i;
            tasks[i] = Task.Run(() => AddOne(input));
        }

        long sum = 0;
        foreach (var value in await Task.WhenAll(tasks))
        {
            sum += value;
        }

        return sum;
    }

    /// <summary>N trivial functions one after another, each a thread-pool round trip.</summary>
    public static async Task<long> SequenceAsync(int n)
    {
        var x = 0;
        for (var i = 0; i < n; i++)
        {
            var input = x;
            x = await Task.Run(() => AddOne(input));
        }

        return x;
    }

    /// <summary>M independent chains of S steps, run concurrently (the shape of M orchestrations x S activities).</summary>
    public static async Task ChainsAsync(int chains, int steps)
    {
        var all = new Task<long>[chains];
        for (var i = 0; i < chains; i++)
        {
            all[i] = SequenceAsync(steps);
        }

        await Task.WhenAll(all);
    }
}
