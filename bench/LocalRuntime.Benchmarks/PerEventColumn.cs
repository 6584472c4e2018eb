using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace LocalRuntime.Benchmarks;

/// <summary>Mean time divided by the <c>HistoryEvents</c> parameter: the per-event cost, to check linearity.</summary>
public sealed class PerEventColumn : IColumn
{
    public string Id => nameof(PerEventColumn);

    public string ColumnName => "ns/event";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Mean divided by the number of history events";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var events = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "HistoryEvents")?.Value;
        var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        return events is int n && mean is { } ns ? (ns / n).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : "-";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}

/// <summary>Adds <see cref="PerEventColumn"/> to a benchmark class.</summary>
public sealed class PerEventConfig : BenchmarkDotNet.Configs.ManualConfig
{
    public PerEventConfig() => AddColumn(new PerEventColumn());
}
