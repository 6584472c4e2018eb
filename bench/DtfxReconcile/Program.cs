using BenchmarkDotNet.Running;
using DtfxReconcile;

// Checked once before measuring: the batch must be accepted, or the benchmark would time an early return.
var check = new ReconcileBenchmarks { Scheduled = 1_000, Completions = 1_000 };
check.Setup();
check.FreshWorkItem();
if (!check.ReconcileBatch())
{
    Console.Error.WriteLine("DTFx refused the benchmark's batch; nothing measured.");
    return 1;
}

BenchmarkSwitcher.FromAssembly(typeof(ReconcileBenchmarks).Assembly).Run(args);
return 0;
