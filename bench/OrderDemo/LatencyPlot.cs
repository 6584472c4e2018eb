namespace OrderDemo;

/// <summary>The latency plot: each order's time from acceptance to finish against when it was sent, VIP beside regular, the outage and any host downtime shaded.</summary>
internal static class LatencyPlot
{
    public static void Write(string path, IReadOnlyList<OrderRecord> orders, DemoOptions options, IReadOnlyList<(double From, double To)> hostDown)
    {
        var plot = new ScottPlot.Plot();
        if (options.OutageAt >= 0 && options.Url is null)
        {
            var outage = plot.Add.HorizontalSpan(options.OutageAt, options.OutageAt + options.OutageSeconds);
            outage.LegendText = "gateway outage";
            outage.FillStyle.Color = ScottPlot.Colors.Orange.WithAlpha(0.25);
        }

        foreach (var (from, to) in hostDown)
        {
            var down = plot.Add.HorizontalSpan(from, to);
            down.LegendText = "host killed (kill -9) until restarted";
            down.FillStyle.Color = ScottPlot.Colors.Gray.WithAlpha(0.35);
        }

        foreach (var (vip, name, color) in new[] { (false, "regular", ScottPlot.Colors.SteelBlue), (true, "VIP", ScottPlot.Colors.Crimson) })
        {
            var points = orders.Where(o => o.Vip == vip && o.DurationMs is not null).ToList();
            if (points.Count == 0)
            {
                continue;
            }

            var scatter = plot.Add.ScatterPoints(points.Select(o => o.SentAt).ToArray(), points.Select(o => o.DurationMs!.Value / 1000).ToArray());
            scatter.MarkerSize = vip ? 4 : 3;
            scatter.Color = color.WithAlpha(vip ? 0.9 : 0.5);
            scatter.LegendText = name;
        }

        plot.Title("Order latency (accepted -> completed / compensated / failed)");
        plot.XLabel("submitted at (s into the run)");
        plot.YLabel("latency (s)");
        plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        plot.SavePng(path, 1200, 600);
    }
}
