using LocalRuntime.Durable.Backends;
using LocalRuntime.Durable.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace LocalRuntime.Durable.Tests.Hosting;

/// <summary>
/// host.json <c>extensions:durableTask</c> to Microsoft's <c>AzureStorageOrchestrationServiceSettings</c>, with Durable Functions'
/// names and defaults (azure-functions-durable-extension v3: AzureStorageOptions, DurableTaskOptions, AzureStorageDurabilityProviderFactory).
/// </summary>
public sealed class AzureStorageSettingsTests
{
    private const string Connection = "UseDevelopmentStorage=true";

    [Fact]
    public void AzureStorageSettings_NothingConfigured_DurableDefaultsNotDtfxDefaults()
    {
        var settings = Map([]);

        // Durable's defaults where DTFx's own differ: buffer 256 (DTFx 64), 10 activities and orchestrations per core (DTFx 10/100).
        Assert.Equal(256, settings.ControlQueueBufferThreshold);
        Assert.Equal(10 * Environment.ProcessorCount, settings.MaxConcurrentTaskActivityWorkItems);
        Assert.Equal(10 * Environment.ProcessorCount, settings.MaxConcurrentTaskOrchestrationWorkItems);
        Assert.Equal(10 * Environment.ProcessorCount, settings.MaxConcurrentTaskEntityWorkItems);
        Assert.Equal(5_000, settings.MaxEntityOperationBatchSize);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.MaxQueuePollingInterval);
        Assert.Equal(4, settings.PartitionCount);
        Assert.Equal(32, settings.ControlQueueBatchSize);
        Assert.Equal(TimeSpan.FromMinutes(5), settings.ControlQueueVisibilityTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), settings.WorkItemQueueVisibilityTimeout);
        Assert.True(settings.FetchLargeMessageDataEnabled);
        Assert.True(settings.UseTablePartitionManagement);
        Assert.False(settings.UseLegacyPartitionManagement);
        Assert.False(settings.AllowReplayingTerminalInstances);
        Assert.True(settings.UseAppLease);
        Assert.False(settings.ExtendedSessionsEnabled);
        Assert.Equal(30, settings.EntityMessageReorderWindowInMinutes);
        Assert.True(settings.UseSeparateQueueForEntityWorkItems);
        Assert.True(settings.ThrowExceptionOnInvalidDedupeStatus);
        Assert.Null(settings.TrackingServiceClientProvider);
        Assert.Equal("TestHubName", settings.TaskHubName);
        Assert.Equal($"{Environment.MachineName}-{Environment.ProcessId}", settings.WorkerId);
    }

    [Fact]
    public void AzureStorageSettings_EveryHostJsonName_MappedToTheProvider()
    {
        var settings = Map(new()
        {
            ["hubName"] = "MyHub",
            ["maxConcurrentActivityFunctions"] = "7",
            ["maxConcurrentOrchestratorFunctions"] = "5",
            ["maxConcurrentEntityFunctions"] = "3",
            ["extendedSessionsEnabled"] = "true",
            ["extendedSessionIdleTimeoutInSeconds"] = "12",
            ["useAppLease"] = "false",
            ["maxEntityOperationBatchSize"] = "50",
            ["entityMessageReorderWindowInMinutes"] = "9",
            ["storageProvider:partitionCount"] = "2",
            ["storageProvider:controlQueueBatchSize"] = "16",
            ["storageProvider:controlQueueBufferThreshold"] = "512",
            ["storageProvider:maxQueuePollingInterval"] = "00:00:01",
            ["storageProvider:controlQueueVisibilityTimeout"] = "00:02:00",
            ["storageProvider:workItemQueueVisibilityTimeout"] = "00:03:00",
            ["storageProvider:fetchLargeMessagesAutomatically"] = "false",
            ["storageProvider:useTablePartitionManagement"] = "false",
            ["storageProvider:useLegacyPartitionManagement"] = "true",
            ["storageProvider:allowReplayingTerminalInstances"] = "true",
            ["storageProvider:trackingStoreConnectionName"] = "Tracking",
            ["storageProvider:trackingStoreNamePrefix"] = "Track",
        });

        Assert.Equal("MyHub", settings.TaskHubName);
        Assert.Equal(7, settings.MaxConcurrentTaskActivityWorkItems);
        Assert.Equal(5, settings.MaxConcurrentTaskOrchestrationWorkItems);
        Assert.Equal(3, settings.MaxConcurrentTaskEntityWorkItems);
        Assert.True(settings.ExtendedSessionsEnabled);
        Assert.Equal(TimeSpan.FromSeconds(12), settings.ExtendedSessionIdleTimeout);
        Assert.False(settings.UseAppLease);
        Assert.Equal(50, settings.MaxEntityOperationBatchSize);
        Assert.Equal(9, settings.EntityMessageReorderWindowInMinutes);
        Assert.Equal(2, settings.PartitionCount);
        Assert.Equal(16, settings.ControlQueueBatchSize);
        Assert.Equal(512, settings.ControlQueueBufferThreshold);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.MaxQueuePollingInterval);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.ControlQueueVisibilityTimeout);
        Assert.Equal(TimeSpan.FromMinutes(3), settings.WorkItemQueueVisibilityTimeout);
        Assert.False(settings.FetchLargeMessageDataEnabled);
        Assert.False(settings.UseTablePartitionManagement);
        Assert.True(settings.UseLegacyPartitionManagement);
        Assert.True(settings.AllowReplayingTerminalInstances);
        Assert.NotNull(settings.TrackingServiceClientProvider);
        Assert.Equal("Track", settings.TrackingStoreNamePrefix);
    }

    [Theory]
    [InlineData("storageProvider:controlQueueBufferThreshold", "0", "storageProvider:controlQueueBufferThreshold must be between 1 and 1000.")]
    [InlineData("storageProvider:controlQueueBufferThreshold", "1001", "storageProvider:controlQueueBufferThreshold must be between 1 and 1000.")]
    [InlineData("storageProvider:controlQueueBatchSize", "0", "storageProvider:controlQueueBatchSize must be at least 1.")]
    [InlineData("maxEntityOperationBatchSize", "0", "maxEntityOperationBatchSize must be at least 1.")]
    public void FromConfiguration_OutOfRange_ThrowsNamingTheSetting(string key, string value, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Options(new() { [key] = value }));

        Assert.Equal($"extensions:durableTask: {message}", error.Message);
    }

    [Theory]
    [InlineData(null, 10.0)]
    [InlineData("0", 0.0)]
    [InlineData("2.5", 2.5)]
    public void FromConfiguration_PriorityAgingSeconds_DefaultTenSeconds(string? value, double expected)
    {
        var options = DurableHostOptions.FromConfiguration(new ConfigurationBuilder().Build(), Settings(value is null ? [] : [("LocalRuntime:PriorityAgingSeconds", value)]));

        Assert.Equal(TimeSpan.FromSeconds(expected), options.PriorityAgingStep);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("soon")]
    public void FromConfiguration_PriorityAgingSecondsInvalid_ThrowsNamingTheSettingAndAllowedValues(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            DurableHostOptions.FromConfiguration(new ConfigurationBuilder().Build(), Settings(("LocalRuntime:PriorityAgingSeconds", value))));

        Assert.Equal($"LocalRuntime:PriorityAgingSeconds is '{value}'; allowed values: a number of seconds from 0 to 86400.", error.Message);
    }

    [Fact]
    public void AzureStorageSettings_TrackingStoreSettingEmpty_ThrowsNamingIt()
    {
        var options = Options(new() { ["storageProvider:trackingStoreConnectionName"] = "Tracking" });

        var error = Assert.Throws<InvalidOperationException>(() =>
            DurableBackendFactory.AzureStorageSettings(options, Settings(), NullLoggerFactory.Instance));

        Assert.Contains("the setting 'Tracking' is empty", error.Message, StringComparison.Ordinal);
    }

    private static DurableTask.AzureStorage.AzureStorageOrchestrationServiceSettings Map(Dictionary<string, string?> durableTask) =>
        DurableBackendFactory.AzureStorageSettings(Options(durableTask), Settings(("Tracking", Connection)), NullLoggerFactory.Instance);

    private static DurableHostOptions Options(Dictionary<string, string?> durableTask) =>
        DurableHostOptions.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(durableTask).Build(), Settings());

    private static IConfiguration Settings(params (string Key, string Value)[] extra)
    {
        var values = new Dictionary<string, string?> { ["AzureWebJobsStorage"] = Connection, ["LocalRuntime:DurableStore"] = "azurestorage" };
        foreach (var (key, value) in extra)
        {
            values[key] = value;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }
}
