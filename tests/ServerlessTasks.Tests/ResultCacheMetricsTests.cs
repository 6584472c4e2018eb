using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using ServerlessTasks.Activities.Telemetry;

namespace ServerlessTasks.Tests;

/// <summary>The result cache's instruments, read by a listener as an exporter would.</summary>
public sealed class ResultCacheMetricsTests
{
    [Fact]
    public void Record_HitsAndMisses_EmitsCountersAndHitRatio()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var metrics = new ResultCacheMetrics(services.GetRequiredService<IMeterFactory>());
        var counted = new Dictionary<string, long>();
        var ratios = new List<double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == TaskTelemetry.Name && instrument.Name.StartsWith("serverlesstasks.cache.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => counted[instrument.Name] = counted.GetValueOrDefault(instrument.Name) + value);
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => ratios.Add(value));
        listener.Start();

        listener.RecordObservableInstruments();
        Assert.Empty(ratios); // no lookups yet: no ratio

        metrics.Record(hit: false);
        metrics.Record(hit: true);
        metrics.Record(hit: true);
        metrics.Record(hit: true);
        listener.RecordObservableInstruments();

        Assert.Equal(3, counted[ResultCacheMetrics.Hits]);
        Assert.Equal(1, counted[ResultCacheMetrics.Misses]);
        Assert.Equal([0.75], ratios);
    }
}
