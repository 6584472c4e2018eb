using BenchmarkDotNet.Running;
using LocalRuntime.Benchmarks;

// dotnet run -c Release --project bench/LocalRuntime.Benchmarks -- --filter '*'
// Every class has a raw in-process baseline ([Benchmark(Baseline = true)]) doing the same work
// without the engine, so the figure to read is the Ratio column.
BenchmarkSwitcher.FromAssembly(typeof(ShortConfig).Assembly).Run(args, new ShortConfig());
