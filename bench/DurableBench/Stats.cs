using System.Globalization;

namespace DurableBench;

internal static class Stats
{
    /// <summary>Nearest-rank percentile of an ascending list.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>"median (min-max, k runs)" of a figure, with the runs that did not complete named.</summary>
    public static string Cell(IReadOnlyList<RunResult> runs, Func<RunResult, double> figure, string format)
    {
        if (runs.Count == 0)
        {
            return "not run";
        }

        var values = runs.Select(figure).ToArray();
        var text = Format(Median(values), format);
        if (runs.Count > 1)
        {
            text += $" ({Format(values.Min(), format)}-{Format(values.Max(), format)}, {runs.Count} runs)";
        }

        var unfinished = runs.Where(r => !r.Completed).ToArray();
        if (unfinished.Length > 0)
        {
            var first = unfinished[0];
            text += string.Create(CultureInfo.InvariantCulture,
                $"; {unfinished.Length} of {runs.Count} not finished: {(first.Done < 0 ? "?" : first.Done.ToString("N0", CultureInfo.InvariantCulture))}/{first.Total:N0} activities in {first.Seconds:F0} s");
        }

        return text;
    }

    public static string Format(double value, string format) => double.IsNaN(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture);
}
