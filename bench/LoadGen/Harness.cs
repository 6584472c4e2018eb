using System.Diagnostics;

namespace LoadGen;

/// <summary>One measured run: wall time, peak managed heap seen while it ran, bytes allocated.</summary>
internal readonly record struct Sample(TimeSpan Elapsed, long PeakHeapBytes, long AllocatedBytes);

/// <summary>Runs a workload under a stopwatch, a heap sampler and the process allocation counter.</summary>
internal static class Harness
{
    /// <summary>Collects garbage first so every run starts from the same heap, then measures one run.</summary>
    public static async Task<Sample> MeasureAsync(Func<Task> run)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var sampler = new HeapSampler();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
        var watch = Stopwatch.StartNew();
        await run();
        watch.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
        return new Sample(watch.Elapsed, sampler.Stop(), allocated);
    }
}

/// <summary>
/// Samples the managed heap on a dedicated thread every millisecond and also reads the GC's own
/// record of the heap size before the collections that ran meanwhile, so a peak between samples is not missed.
/// </summary>
internal sealed class HeapSampler : IDisposable
{
    private readonly Thread _thread;
    private readonly long _gcIndexAtStart = GC.GetGCMemoryInfo(GCKind.Any).Index;
    private volatile bool _stop;
    private long _peak;

    public HeapSampler()
    {
        _peak = GC.GetTotalMemory(forceFullCollection: false);
        _thread = new Thread(Loop) { IsBackground = true, Name = "heap-sampler", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    public long Stop()
    {
        _stop = true;
        _thread.Join();
        Observe(GC.GetTotalMemory(forceFullCollection: false));
        foreach (var kind in new[] { GCKind.Ephemeral, GCKind.FullBlocking, GCKind.Background })
        {
            // A collection during the run: the heap just before it (sum of generation sizes before) was a peak.
            var info = GC.GetGCMemoryInfo(kind);
            if (info.Index > _gcIndexAtStart)
            {
                long before = 0;
                foreach (var generation in info.GenerationInfo)
                {
                    before += generation.SizeBeforeBytes;
                }

                Observe(before);
            }
        }

        return Interlocked.Read(ref _peak);
    }

    public void Dispose()
    {
        if (!_stop)
        {
            Stop();
        }
    }

    private void Loop()
    {
        while (!_stop)
        {
            Observe(GC.GetTotalMemory(forceFullCollection: false));
            Thread.Sleep(1);
        }
    }

    private void Observe(long bytes)
    {
        var current = Interlocked.Read(ref _peak);
        while (bytes > current)
        {
            var seen = Interlocked.CompareExchange(ref _peak, bytes, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
